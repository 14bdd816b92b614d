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
  private static final Path EXEC_JOBSPEC = Path.of("jobs/lab-orchestrator-exec.nomad");

  /** What the exec jobspec may change: how the task is started. */
  private static final List<String> HOW_IT_STARTS =
      List.of("driver", "config", "artifact", "constraint");

  private static final Path POLICY = Path.of("jobs/lab-orchestrator.policy.hcl");
  private static final String VARIABLES_PATH = "nomad/jobs/lab-orchestrator";

  private static Map<String, Object> job;
  private static Map<String, Object> group;
  private static Map<String, Object> task;
  private static Map<String, Object> policy;
  private static Map<String, Object> execJob;
  private static Map<String, Object> execTask;

  @BeforeAll
  static void parse() throws Exception {
    job = job(JOBSPEC);
    group = map(map(job, "group"), "orchestrator");
    task = map(map(group, "task"), "lab-orchestrator");
    policy = new HCLParser().parse(POLICY.toFile(), "UTF-8");
    execJob = job(EXEC_JOBSPEC);
    execTask = map(map(map(map(execJob, "group"), "orchestrator"), "task"), "lab-orchestrator");
  }

  private static Map<String, Object> job(Path jobspec) throws Exception {
    Map<String, Object> spec = new HCLParser().parse(jobspec.toFile(), "UTF-8");
    return map(map(spec, "job"), "lab-orchestrator");
  }

  /**
   * The exec jobspec is the same job (periodic, restart and reschedule, identity, env, templates,
   * resources, kill timeout) but for how the task starts; HCL cannot share them, so this pins it.
   */
  @Test
  void theExecJobspecIsTheSameJobButForHowTheTaskStarts() {
    assertThat(withoutHowItStarts(execJob)).isEqualTo(withoutHowItStarts(job));
  }

  @Test
  void theExecJobspecRunsTheWrapperOfTheUnpackedClosureWithTheSameArguments() {
    assertThat(execTask.get("driver")).isEqualTo("exec");
    Map<String, Object> config = map(execTask, "config");
    assertThat(config.get("command")).isEqualTo("/bin/lab-orchestrator");
    assertThat(config.get("args")).isEqualTo(map(task, "config").get("args"));
    // the java driver's jvm_options, for the java launcher in the closure
    assertThat(map(task, "config").get("jvm_options"))
        .asInstanceOf(LIST)
        .containsExactly("-Xmx256m");
    assertThat(map(execTask, "env").get("JDK_JAVA_OPTIONS")).isEqualTo("-Xmx256m");
  }

  @Test
  void theExecJobspecUnpacksTheChecksummedTarballAtTheRootOfTheChroot() {
    Map<String, Object> artifact = map(execTask, "artifact");
    // The task directory is the chroot's root: the closure's nix/store lands at /nix/store.
    assertThat(artifact.get("destination")).isEqualTo(".");
    assertThat(artifact).doesNotContainKey("mode");
    Map<String, Object> options = map(artifact, "options");
    assertThat(options.get("archive")).isEqualTo("tar.gz");
    assertThat(options).containsKey("checksum");
    assertThat(map(execTask, "constraint").get("attribute")).asString().contains("attr.cpu.arch");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> withoutHowItStarts(Map<String, Object> job) {
    Map<String, Object> copy = deepCopy(job);
    Map<String, Object> task =
        map(map(map(map(copy, "group"), "orchestrator"), "task"), "lab-orchestrator");
    HOW_IT_STARTS.forEach(task::remove);
    ((Map<String, Object>) task.get("env")).remove("JDK_JAVA_OPTIONS");
    return copy;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> deepCopy(Map<String, Object> map) {
    Map<String, Object> copy = new java.util.LinkedHashMap<>();
    map.forEach(
        (k, v) -> copy.put(k, v instanceof Map<?, ?> m ? deepCopy((Map<String, Object>) m) : v));
    return copy;
  }

  @Test
  void isAPeriodicBatchJobThatNeverOverlapsItself() {
    assertThat(job.get("type")).isEqualTo("batch");
    Map<String, Object> periodic = map(job, "periodic");
    assertThat(periodic.get("crons")).asInstanceOf(LIST).isNotEmpty();
    assertThat(periodic.get("prohibit_overlap")).isEqualTo(true);
  }

  @Test
  void policyLetsTheJobLaunchItsSuccessorRun() {
    // POST /v1/job/:id/periodic/force needs submit-job (or force-periodic-job) in the namespace.
    assertThat(map(map(policy, "namespace"), "default").get("capabilities"))
        .asInstanceOf(LIST)
        .contains("submit-job");
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
