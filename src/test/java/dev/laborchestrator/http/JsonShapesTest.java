package dev.laborchestrator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.laborchestrator.port.HealthCheck;
import dev.laborchestrator.port.NomadNode;
import org.junit.jupiter.api.Test;

class JsonShapesTest {
  @Test
  void readsAnArrayOfObjectsIntoRecords() throws Exception {
    JsonNode body =
        json("[{\"CheckID\":\"serfHealth\",\"Status\":\"passing\",\"Node\":\"mew\",\"Extra\":1}]");

    assertThat(JsonShapes.listOf(body, "check", HealthCheck.class, "CheckID", "Status"))
        .containsExactly(new HealthCheck("mew", "serfHealth", null, "passing", null, null));
  }

  @Test
  void namesAnObjectWhereAnArrayWasExpected() throws Exception {
    assertThatThrownBy(() -> JsonShapes.listOf(json("{\"a\":1}"), "check", HealthCheck.class))
        .isInstanceOf(UnexpectedShape.class)
        .hasMessage("expected a JSON array of check objects, got an object");
  }

  @Test
  void namesAnElementThatIsNotAnObject() throws Exception {
    assertThatThrownBy(
            () ->
                JsonShapes.listOf(json("[{\"CheckID\":\"a\"}, \"b\"]"), "check", HealthCheck.class))
        .hasMessage("expected check #1 to be a JSON object, got a string");
  }

  @Test
  void namesAMissingNullNonStringOrEmptyRequiredField() throws Exception {
    assertThatThrownBy(() -> node("{\"Name\":\"mew\",\"Status\":\"ready\"}"))
        .hasMessage("node has no ID");
    assertThatThrownBy(() -> node("{\"ID\":null,\"Name\":\"mew\",\"Status\":\"ready\"}"))
        .hasMessage("node has no ID");
    assertThatThrownBy(() -> node("{\"ID\":7,\"Name\":\"mew\",\"Status\":\"ready\"}"))
        .hasMessage("node's ID is a number, not a string");
    assertThatThrownBy(() -> node("{\"ID\":\"x\",\"Name\":\" \",\"Status\":\"ready\"}"))
        .hasMessage("node has an empty Name");
  }

  @Test
  void namesTheFieldWhoseValueHasTheWrongType() throws Exception {
    String body =
        "{\"ID\":\"x\",\"Name\":\"mew\",\"Status\":\"ready\",\"StatusUpdatedAt\":\"soon\"}";

    assertThatThrownBy(() -> node(body))
        .isInstanceOf(UnexpectedShape.class)
        .hasMessageStartingWith("node field StatusUpdatedAt: ")
        .hasMessageContaining("long");
  }

  @Test
  void callsAnEmptyBodyByItsName() {
    assertThatThrownBy(
            () -> JsonShapes.objectOf(MissingNode.getInstance(), "node", NomadNode.class))
        .hasMessage("expected node to be a JSON object, got an empty body");
  }

  private static NomadNode node(String json) throws Exception {
    return JsonShapes.objectOf(json(json), "node", NomadNode.class, "ID", "Name", "Status");
  }

  private static JsonNode json(String text) throws Exception {
    return JsonShapes.MAPPER.readTree(text);
  }
}
