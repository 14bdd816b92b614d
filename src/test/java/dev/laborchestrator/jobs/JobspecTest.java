package dev.laborchestrator.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.LIST;

import com.bertramlabs.plugins.hcl4j.HCLParser;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The properties of the Nomad jobspec and its ACL policy that the controller relies on. hcl4j
 * resolves {@code var.*} to the variables' defaults and reads {@code "${node.unique.id}"} as the
 * bare name {@code node.unique.id}; a block given once is a map, a block given twice a list.
 */
class JobspecTest {
  private static final Path JOBSPEC = Path.of("jobs/lab-orchestrator.nomad");
  private static final Path POLICY = Path.of("jobs/lab-orchestrator.policy.hcl");
  private static final String VARIABLES_PATH = "nomad/jobs/lab-orchestrator";

  private static Map<String, Object> job;
  private static Map<String, Object> group;
  private static Map<String, Object> task;
  private static Map<String, Object> policy;

  @BeforeAll
  static void parse() throws Exception {
    Map<String, Object> spec = new HCLParser().parse(JOBSPEC.toFile(), "UTF-8");
    job = map(map(spec, "job"), "lab-orchestrator");
    group = map(map(job, "group"), "orchestrator");
    task = map(map(group, "task"), "lab-orchestrator");
    policy = new HCLParser().parse(POLICY.toFile(), "UTF-8");
  }

  @Test
  void isAPeriodicBatchJobThatNeverOverlapsItself() {
    assertThat(job.get("type")).isEqualTo("batch");
    Map<String, Object> periodic = map(job, "periodic");
    assertThat(periodic.get("crons")).asInstanceOf(LIST).isNotEmpty();
    assertThat(periodic.get("prohibit_overlap")).isEqualTo(true);
  }

  @Test
  void failsInsteadOfRetryingARollout() {
    Map<String, Object> restart = map(group, "restart");
    assertThat(restart.get("mode")).isEqualTo("fail");
    assertThat(((Number) restart.get("attempts")).intValue()).isZero();
  }

  @Test
  void getsItsTokenFromTheWorkloadIdentity() {
    assertThat(map(task, "identity").get("env")).isEqualTo(true);
  }

  @Test
  void givesTheControllerTimeToCheckpointOnSigterm() {
    assertThat(task.get("kill_timeout")).isEqualTo("30s");
  }

  @Test
  void tellsTheControllerWhichNodeItRunsOn() {
    assertThat(map(task, "env").get("NOMAD_NODE_ID")).asString().contains("node.unique.id");
  }

  @Test
  void rendersTheConfigFromItsNomadVariablesIntoTheFileItRuns() {
    Map<String, Object> configTemplate =
        blocks(task, "template").stream()
            .filter(t -> "secrets/config.yaml".equals(t.get("destination")))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no template renders secrets/config.yaml"));
    assertThat(configTemplate.get("data"))
        .asString()
        .contains("nomadVar \"" + VARIABLES_PATH + "\"");
    assertThat(map(task, "config").get("args"))
        .asInstanceOf(LIST)
        .contains("run", "--config")
        .anySatisfy(arg -> assertThat(arg).asString().endsWith("/config.yaml"));
  }

  @Test
  void registersItsMetricsPortAsANomadServiceAndPassesItIn() {
    assertThat(map(map(group, "network"), "port")).containsKey("metrics");
    Map<String, Object> service = map(group, "service");
    assertThat(service.get("provider")).isEqualTo("nomad");
    assertThat(service.get("port")).isEqualTo("metrics");
    List<?> args = (List<?>) map(task, "config").get("args");
    int flag = args.indexOf("--metrics-port");
    assertThat(flag).as("args pass --metrics-port").isNotNegative();
    assertThat(args.get(flag + 1)).asString().contains("NOMAD_PORT_metrics");
  }

  @Test
  void policyLetsTheJobDrainNodesAndKeepStateUnderItsOwnVariablesPath() {
    assertThat(map(policy, "node").get("policy")).isEqualTo("write");
    Map<String, Object> paths =
        map(map(map(map(policy, "namespace"), "default"), "variables"), "path");
    assertThat(map(paths, VARIABLES_PATH + "/*").get("capabilities"))
        .asInstanceOf(LIST)
        .contains("read", "write");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    assertThat(parent).as("block containing %s", key).containsKey(key);
    Object value = parent.get(key);
    assertThat(value).as("%s is a single block", key).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> blocks(Map<String, Object> parent, String key) {
    assertThat(parent).as("block containing %s", key).containsKey(key);
    Object value = parent.get(key);
    return value instanceof List<?> list
        ? (List<Map<String, Object>>) list
        : List.of((Map<String, Object>) value);
  }
}
