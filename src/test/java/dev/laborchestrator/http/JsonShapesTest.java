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

  @Test
  void streamedReadKeepsTheNamedFieldsAndSkipsTheRest() throws Exception {
    String body =
        "[{\"Node\":\"mew\",\"Definition\":{\"HTTP\":[1,{\"Status\":\"x\"}]},"
            + "\"Status\":\"passing\",\"Output\":null,\"CheckID\":\"serfHealth\"},"
            + "{\"CheckID\":\"c\",\"Status\":\"critical\",\"Node\":\"b\",\"Name\":\"web\"}]";

    assertThat(streamed(body))
        .containsExactly(
            new HealthCheck("mew", "serfHealth", null, "passing", null, null),
            new HealthCheck("b", "c", "web", "critical", null, null));
    assertThat(streamed("[]")).isEmpty();
  }

  @Test
  void streamedReadNamesWhatIsWrongAsTheTreeReadDoes() {
    assertThatThrownBy(() -> streamed("{\"a\":1}"))
        .isInstanceOf(UnexpectedShape.class)
        .hasMessage("expected a JSON array of check objects, got an object");
    assertThatThrownBy(() -> streamed(""))
        .hasMessage("expected a JSON array of check objects, got an empty body");
    assertThatThrownBy(() -> streamed("[{\"CheckID\":\"a\",\"Status\":\"s\"}, \"b\"]"))
        .hasMessage("expected check #1 to be a JSON object, got a string");
    assertThatThrownBy(() -> streamed("[{\"Status\":\"passing\"}]"))
        .hasMessage("check #0 has no CheckID");
    assertThatThrownBy(() -> streamed("[{\"CheckID\":null,\"Status\":\"passing\"}]"))
        .hasMessage("check #0 has no CheckID");
    assertThatThrownBy(() -> streamed("[{\"CheckID\":7,\"Status\":\"passing\"}]"))
        .hasMessage("check #0's CheckID is a number, not a string");
    assertThatThrownBy(() -> streamed("[{\"CheckID\":\"a\",\"Status\":\" \"}]"))
        .hasMessage("check #0 has an empty Status");
    assertThatThrownBy(() -> streamed("[{\"CheckID\":\"a\",\"Status\":\"s\",\"Name\":[]}]"))
        .hasMessage("check #0 field Name: an array, not a string");
    assertThatThrownBy(() -> streamed("[] []"))
        .isInstanceOf(com.fasterxml.jackson.core.JsonParseException.class);
  }

  private static java.util.List<HealthCheck> streamed(String body) throws Exception {
    try (com.fasterxml.jackson.core.JsonParser json = JsonShapes.MAPPER.createParser(body)) {
      return JsonShapes.listOf(
          json,
          "check",
          java.util.List.of("Node", "CheckID", "Name", "Status", "ServiceName", "Output"),
          v -> new HealthCheck(v[0], v[1], v[2], v[3], v[4], v[5]),
          "CheckID",
          "Status");
    }
  }

  private static NomadNode node(String json) throws Exception {
    return JsonShapes.objectOf(json(json), "node", NomadNode.class, "ID", "Name", "Status");
  }

  private static JsonNode json(String text) throws Exception {
    return JsonShapes.MAPPER.readTree(text);
  }
}
