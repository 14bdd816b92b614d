package dev.laborchestrator.port;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class NomadNodeTest {
  private static NomadNode node(String events) throws Exception {
    return new ObjectMapper()
        .readValue(
            "{\"ID\":\"n1\",\"Name\":\"a\",\"Status\":\"ready\",\"StatusUpdatedAt\":1700000100,"
                + "\"Events\":["
                + events
                + "]}",
            NomadNode.class);
  }

  private static String event(String message, long index) {
    return "{\"Message\":\""
        + message
        + "\",\"Subsystem\":\"Cluster\",\"Details\":null,"
        + "\"Timestamp\":\"2026-12-02T10:00:00Z\",\"CreateIndex\":"
        + index
        + "}";
  }

  @Test
  void onlyAReRegistrationAfterTheBaselineProvesARestart() throws Exception {
    NomadNode before =
        node(
            event("Node re-registered", 40)
                + ","
                + event("Node drain complete", 50)
                + ","
                + event("Node marked as eligible for scheduling", 60));
    NomadNode after =
        node(event("Node drain complete", 50) + "," + event("Node re-registered", 70));

    assertThat(before.reregisteredAfter(45)).isEmpty();
    assertThat(after.reregisteredAfter(45))
        .hasValueSatisfying(e -> assertThat(e.createIndex()).isEqualTo(70));
    assertThat(node(event("Node reregistered by heartbeat", 80)).reregisteredAfter(45)).isPresent();
  }
}
