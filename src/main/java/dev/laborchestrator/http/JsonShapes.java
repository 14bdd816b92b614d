package dev.laborchestrator.http;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
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

  /**
   * Like {@link #listOf(JsonNode, String, Class, String...)}, read token by token from {@code json}
   * without building a tree: each object's {@code fields} (strings, or null when absent or null)
   * are handed to {@code make} in that order, and every other field is skipped unread. Of those,
   * {@code requiredFields} must be non-blank strings. Meant for answers with many objects of which
   * a few fields matter (every check of a big cluster).
   */
  public static <T> List<T> listOf(
      JsonParser json,
      String what,
      List<String> fields,
      Function<String[], T> make,
      String... requiredFields)
      throws IOException {
    JsonToken start = json.nextToken();
    if (start != JsonToken.START_ARRAY) {
      throw new UnexpectedShape(
          "expected a JSON array of " + what + " objects, got " + describe(start));
    }
    List<T> values = new ArrayList<>();
    for (JsonToken token = json.nextToken();
        token != JsonToken.END_ARRAY;
        token = json.nextToken()) {
      String element = what + " #" + values.size();
      if (token != JsonToken.START_OBJECT) {
        throw new UnexpectedShape(
            "expected " + element + " to be a JSON object, got " + describe(token));
      }
      String[] found = new String[fields.size()];
      JsonToken[] kinds = new JsonToken[fields.size()];
      while (json.nextToken() == JsonToken.FIELD_NAME) {
        int at = fields.indexOf(json.currentName());
        JsonToken value = json.nextToken();
        if (at < 0) {
          json.skipChildren();
        } else if (value.isStructStart()) {
          throw new UnexpectedShape(
              element + " field " + fields.get(at) + ": " + describe(value) + ", not a string");
        } else {
          kinds[at] = value;
          found[at] = value == JsonToken.VALUE_NULL ? null : json.getText();
        }
      }
      for (String field : requiredFields) {
        int at = fields.indexOf(field);
        if (found[at] == null) {
          throw new UnexpectedShape(element + " has no " + field);
        }
        if (kinds[at] != JsonToken.VALUE_STRING) {
          throw new UnexpectedShape(
              element + "'s " + field + " is " + describe(kinds[at]) + ", not a string");
        }
        if (found[at].isBlank()) {
          throw new UnexpectedShape(element + " has an empty " + field);
        }
      }
      values.add(make.apply(found));
    }
    if (json.nextToken() != null) {
      throw new JsonParseException(json, "content after the array");
    }
    return values;
  }

  private static String describe(JsonToken token) {
    if (token == null) {
      return "an empty body";
    }
    return switch (token) {
      case START_ARRAY -> "an array";
      case START_OBJECT -> "an object";
      case VALUE_STRING, VALUE_EMBEDDED_OBJECT -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      default -> "null";
    };
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
