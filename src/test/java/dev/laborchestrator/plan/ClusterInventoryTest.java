package dev.laborchestrator.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.InventoryLoader;
import dev.laborchestrator.config.OrchestratorConfig.IneligibleHosts;
import dev.laborchestrator.port.NomadNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterInventoryTest {
  /** Inventory entries as the lab-machine module writes them to /etc/lab-machine-metadata.json. */
  private static final String MODULE_FILE =
      """
      [
        {"hostname": "db", "role": "database", "groups": ["infra"], "rebootOrder": 1, "dependencies": [],
         "healthChecks": [{"type": "tcp", "port": 5432}],
         "orchestration": {"deployStrategy": "rolling", "rebootDelay": 0, "criticalityLevel": "critical"},
         "services": ["postgresql"]},
        {"hostname": "api", "role": "app", "groups": ["infra", "backend"], "rebootOrder": 2, "dependencies": ["db"],
         "healthChecks": [{"type": "http", "url": "http://localhost:8080/health"}],
         "orchestration": {"deployStrategy": "rolling", "rebootDelay": 30, "criticalityLevel": "medium"},
         "services": ["nginx"]},
        {"hostname": "web", "role": "web", "groups": [], "rebootOrder": 2, "dependencies": ["api"],
         "healthChecks": [], "orchestration": {"deployStrategy": "rolling", "rebootDelay": 600,
         "criticalityLevel": "low"}, "services": []}
      ]
      """;

  private static NomadNode node(String name, String status, Map<String, String> meta) {
    return new NomadNode(
        "id-" + name + "-" + status,
        name,
        "10.0.0.1:4646",
        status,
        1,
        "eligible",
        null,
        null,
        meta,
        Map.of());
  }

  private static Map<String, String> meta(
      String role,
      String groups,
      String order,
      String deps,
      String criticality,
      String delay,
      String checks) {
    Map<String, String> meta = new HashMap<>();
    meta.put(ClusterInventory.ROLE, role);
    meta.put(ClusterInventory.GROUPS, groups);
    meta.put(ClusterInventory.REBOOT_ORDER, order);
    meta.put(ClusterInventory.DEPENDS_ON, deps);
    meta.put(ClusterInventory.CRITICALITY, criticality);
    meta.put(ClusterInventory.REBOOT_DELAY, delay);
    meta.put(ClusterInventory.DEPLOY_STRATEGY, "rolling");
    meta.put(ClusterInventory.HEALTH_CHECKS, checks);
    meta.put(NomadNode.REVISION_META, "abc123");
    return meta;
  }

  private static final List<NomadNode> NODES =
      List.of(
          node("web", "ready", meta("web", "", "2", "api", "low", "600", "[]")),
          node(
              "db",
              "ready",
              meta(
                  "database",
                  "infra",
                  "1",
                  "",
                  "critical",
                  "0",
                  "[{\"type\":\"tcp\",\"port\":5432}]")),
          node(
              "api",
              "ready",
              meta(
                  "app",
                  "infra,backend",
                  "2",
                  "db",
                  "medium",
                  "30",
                  "[{\"type\":\"http\",\"url\":\"http://localhost:8080/health\"}]")),
          node("db", "down", meta("database", "infra", "9", "", "critical", "0", "[]")),
          node("laptop", "ready", Map.of()));

  private static List<List<String>> waves(Plan plan) {
    return plan.waves().stream()
        .map(w -> w.hosts().stream().map(Plan.PlannedHost::hostname).toList())
        .toList();
  }

  @Test
  void theModulesFileAndTheNodeMetaMakeTheSamePlan() {
    List<HostSpec> fromFile = InventoryLoader.parse(MODULE_FILE, "lab-machine-metadata.json");
    List<HostSpec> fromMeta = ClusterInventory.fromNodes(NODES);
    Planner.Options options = new Planner.Options(2, IneligibleHosts.SKIP);

    Plan a = Planner.plan(fromFile, options);
    Plan b = Planner.plan(fromMeta, options);
    assertThat(waves(b)).isEqualTo(waves(a)).containsExactly(List.of("db"), List.of("api", "web"));
    assertThat(b.describe()).isEqualTo(a.describe());
    HostSpec api =
        fromMeta.stream().filter(h -> h.hostname().equals("api")).findFirst().orElseThrow();
    assertThat(api.groups()).containsExactly("infra", "backend");
    assertThat(api.healthChecks())
        .singleElement()
        .satisfies(c -> assertThat(c.url()).endsWith("/health"));
    assertThat(api.orchestration().rebootDelay()).isEqualTo(30);
  }

  @Test
  void ignoresNodesWithoutLabMetaAndPrefersALiveNodeOverItsDownTwin() {
    List<HostSpec> hosts = ClusterInventory.fromNodes(NODES);
    assertThat(hosts).extracting(HostSpec::hostname).containsExactly("api", "db", "web");
    assertThat(hosts.get(1).rebootOrder()).isEqualTo(1);
  }

  @Test
  void namesTheNodeAndKeyOfABadValue() {
    List<NomadNode> nodes =
        List.of(node("db", "ready", meta("d", "", "first", "", "low", "0", "[]")));
    assertThatThrownBy(() -> ClusterInventory.fromNodes(nodes))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("db: lab.reboot-order 'first' is not a whole number");
  }

  @Test
  void saysWhatToDoWhenNoNodeCarriesTheMeta() {
    assertThatThrownBy(() -> ClusterInventory.fromNodes(List.of(node("x", "ready", Map.of()))))
        .hasMessageContaining("no Nomad node carries lab.reboot-order");
  }

  @Test
  void warnsWhereTheFileAndTheMetaDisagree() {
    List<HostSpec> file =
        InventoryLoader.parse(
            """
        [{"hostname": "db", "rebootOrder": 3, "orchestration": {"rebootDelay": 0, "criticalityLevel": "critical"},
          "role": "database"}]
        """,
            "inventory.json");
    assertThat(ClusterInventory.mismatches(file, NODES))
        .containsExactly(
            "db: the inventory file says rebootOrder 3, the node meta says 1 (the file wins)",
            "api carries lab.* node meta but is not in the inventory file: it is not part of this rollout",
            "web carries lab.* node meta but is not in the inventory file: it is not part of this rollout");
  }
}
