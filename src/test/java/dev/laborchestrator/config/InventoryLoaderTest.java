package dev.laborchestrator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InventoryLoaderTest {
  private static List<HostSpec> parse(String json) {
    return InventoryLoader.parse(json, "inventory.json");
  }

  @Test
  void readsTheShapeTheNixosModuleWrites() {
    List<HostSpec> hosts =
        parse(
            """
        [{"hostname": "sleeper-service", "role": "application-server", "groups": ["infrastructure", "backend"],
          "rebootOrder": 1, "dependencies": [],
          "healthChecks": [{"type": "http", "url": "http://localhost:80/health"}, {"type": "tcp", "port": 5432}],
          "orchestration": {"deployStrategy": "rolling", "rebootDelay": 0, "criticalityLevel": "high"},
          "services": ["nginx", "postgresql"]}]
        """);

    HostSpec host = hosts.get(0);
    assertThat(host.hostname()).isEqualTo("sleeper-service");
    assertThat(host.healthChecks())
        .extracting(HealthCheckSpec::type)
        .containsExactly("http", "tcp");
    assertThat(host.orchestration().criticalityLevel()).isEqualTo("high");
    assertThat(host.services()).containsExactly("nginx", "postgresql");
  }

  @Test
  void readsTheTargetRevisionWhenTheModuleKnowsIt() {
    HostSpec host =
        parse("[{\"hostname\": \"gw1\", \"rebootOrder\": 1, \"revision\": \"4e1c0ffee\"}]").get(0);
    assertThat(host.revision()).isEqualTo("4e1c0ffee");
  }

  @Test
  void appliesTheModulesDefaults() {
    HostSpec host = parse("[{\"hostname\": \"a\", \"rebootOrder\": 0}]").get(0);
    assertThat(host.orchestration().rebootDelay()).isEqualTo(600);
    assertThat(host.orchestration().criticalityLevel()).isEqualTo("medium");
    assertThat(host.orchestration().deployStrategy()).isEqualTo("rolling");
  }

  @Test
  void rejectsEachKindOfBadHostWithItsName() {
    assertThatThrownBy(() -> parse("[{\"hostname\": \"a\"}]"))
        .hasMessageContaining("a: rebootOrder is missing");
    assertThatThrownBy(
            () ->
                parse(
                    "[{\"hostname\": \"a\", \"rebootOrder\": 1}, {\"hostname\": \"a\", \"rebootOrder\": 2}]"))
        .hasMessageContaining("hostname 'a' appears more than once");
    assertThatThrownBy(
            () ->
                parse("[{\"hostname\": \"a\", \"rebootOrder\": 1, \"dependencies\": [\"ghost\"]}]"))
        .hasMessageContaining("a depends on unknown host 'ghost'");
    assertThatThrownBy(() -> parse("[{\"hostname\": \"-oProxy\", \"rebootOrder\": 1}]"))
        .hasMessageContaining("'-oProxy' is not a valid host name");
    assertThatThrownBy(
            () ->
                parse(
                    "[{\"hostname\": \"a\", \"rebootOrder\": 1, \"healthChecks\": [{\"type\": \"http\"}]}]"))
        .hasMessageContaining("an http check without url");
    assertThatThrownBy(
            () ->
                parse(
                    "[{\"hostname\": \"a\", \"rebootOrder\": 1, \"healthChecks\": [{\"type\": \"tcp\"}]}]"))
        .hasMessageContaining("a tcp check without port");
    assertThatThrownBy(
            () ->
                parse(
                    "[{\"hostname\": \"a\", \"rebootOrder\": 1, \"orchestration\": {\"criticalityLevel\": \"extreme\"}}]"))
        .hasMessageContaining("criticalityLevel 'extreme'");
  }

  @Test
  void rejectsUnknownKeysAndAnObjectWhereAListBelongs() {
    assertThatThrownBy(() -> parse("[{\"hostname\": \"a\", \"rebootorder\": 1}]"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unknown key 'rebootorder'");
    assertThatThrownBy(() -> parse("{\"hostname\": \"a\"}"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("expected a list");
    assertThatThrownBy(() -> parse("[]")).hasMessageContaining("lists no hosts");
  }
}
