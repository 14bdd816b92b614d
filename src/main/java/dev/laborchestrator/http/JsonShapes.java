package dev.laborchestrator.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads JSON answers into records after checking their shape, so that a surprise reads as
 * "allocation #2 has no ClientStatus" rather than as a null deep inside the engine.
 */
public final class JsonShapes {
  static final ObjectMapper MAPPER =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private JsonShapes() {}

  /**
   * A JSON array whose elements are objects that each carry the {@code requiredFields} as non-blank
   * strings, read as {@code type}.
   */
  public static <T> List<T> listOf(
      JsonNode body, String what, Class<T> type, String... requiredFields) {
    if (!body.isArray()) {
      throw new UnexpectedShape(
          "expected a JSON array of " + what + " objects, got " + describe(body));
    }
    List<T> values = new ArrayList<>(body.size());
    for (int i = 0; i < body.size(); i++) {
      values.add(objectOf(body.get(i), what + " #" + i, type, requiredFields));
    }
    return values;
  }

  /**
   * A JSON object that carries the {@code requiredFields} as non-blank strings, read as {@code
   * type}.
   */
  public static <T> T objectOf(
      JsonNode body, String what, Class<T> type, String... requiredFields) {
    if (!body.isObject()) {
      throw new UnexpectedShape("expected " + what + " to be a JSON object, got " + describe(body));
    }
    for (String field : requiredFields) {
      requireText(body, what, field);
    }
    try {
      return MAPPER.treeToValue(body, type);
    } catch (JsonMappingException e) {
      throw new UnexpectedShape(what + fieldPath(e) + ": " + e.getOriginalMessage());
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new UnexpectedShape(what + ": " + e.getMessage());
    }
  }

  private static void requireText(JsonNode object, String what, String field) {
    JsonNode value = object.get(field);
    if (value == null || value.isNull()) {
      throw new UnexpectedShape(what + " has no " + field);
    }
    if (!value.isTextual()) {
      throw new UnexpectedShape(what + "'s " + field + " is " + describe(value) + ", not a string");
    }
    if (value.asText().isBlank()) {
      throw new UnexpectedShape(what + " has an empty " + field);
    }
  }

  private static String fieldPath(JsonMappingException e) {
    String path =
        e.getPath().stream()
            .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "#" + ref.getIndex())
            .collect(Collectors.joining("."));
    return path.isEmpty() ? "" : " field " + path;
  }

  static String describe(JsonNode node) {
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case STRING, BINARY -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL -> "null";
      case MISSING -> "an empty body";
    };
  }
}
