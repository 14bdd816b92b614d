package dev.laborchestrator.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.bertramlabs.plugins.hcl4j.HCLParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The Consul ACL policy the README tells operators to apply: exactly the reads health is judged by,
 * and, for maintenance mode, node write as its own documented variant. Pre-flight
 * (cli.ConsulPreflight.READS) asks Consul for the same permissions.
 */
class ConsulPolicyTest {
  private static final Path POLICY = Path.of("jobs/lab-orchestrator.consul-policy.hcl");

  @Test
  void grantsNodeServiceAndOperatorReadOnEveryNameAndNothingElse() throws Exception {
    Map<String, Object> policy = new HCLParser().parse(POLICY.toFile(), "UTF-8");

    assertThat(policy).containsOnlyKeys("node_prefix", "service_prefix", "operator");
    assertThat(rule(policy, "node_prefix")).isEqualTo("read");
    assertThat(rule(policy, "service_prefix")).isEqualTo("read");
    assertThat(policy.get("operator")).isEqualTo("read");
  }

  @Test
  void documentsNodeWriteForMaintenanceModeAsAReplacementRule() throws Exception {
    String commented =
        Files.readAllLines(POLICY, StandardCharsets.UTF_8).stream()
            .filter(line -> line.startsWith("#   "))
            .map(line -> line.substring("#   ".length()))
            .filter(line -> !line.startsWith("consul ") && !line.startsWith("  -"))
            .collect(Collectors.joining("\n"));
    Map<String, Object> variant = new HCLParser().parse(commented);

    assertThat(variant).containsOnlyKeys("node_prefix");
    assertThat(rule(variant, "node_prefix")).isEqualTo("write");
  }

  /** The policy of a {@code <kind> "" { policy = ... }} rule. */
  @SuppressWarnings("unchecked")
  private static Object rule(Map<String, Object> policy, String kind) {
    Map<String, Object> byPrefix = (Map<String, Object>) policy.get(kind);
    assertThat(byPrefix).as(kind).containsOnlyKeys("");
    return ((Map<String, Object>) byPrefix.get("")).get("policy");
  }
}
