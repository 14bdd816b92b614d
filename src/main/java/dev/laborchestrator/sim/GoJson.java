package dev.laborchestrator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Request bodies read as Go's encoding/json decodes them into the servers' structs: field names
 * match case-insensitively, {@code null} and a missing field are the zero value, and a value of the
 * wrong type is a 400 with encoding/json's error text.
 */
final class GoJson {

  private GoJson() {}

  static JsonNode requestObject(JsonNode body, String goType) {
    if (body.isNull() || body.isObject()) {
      return body;
    }
    throw new ApiError(
        400, "json: cannot unmarshal " + jsonKind(body) + " into Go value of type " + goType);
  }

  static JsonNode field(JsonNode object, String name) {
    if (!object.isObject()) {
      return null;
    }
    JsonNode exact = object.get(name);
    if (exact != null) {
      return exact;
    }
    Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> entry = fields.next();
      if (entry.getKey().equalsIgnoreCase(name)) {
        return entry.getValue();
      }
    }
    return null;
  }

  static long longField(JsonNode object, String name) {
    JsonNode value = field(object, name);
    if (value == null || value.isNull()) {
      return 0;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw typeError(name, "int64", value);
    }
    return value.asLong();
  }

  static boolean boolField(JsonNode object, String name) {
    JsonNode value = field(object, name);
    if (value == null || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw typeError(name, "bool", value);
    }
    return value.asBoolean();
  }

  static String stringField(JsonNode object, String name) {
    JsonNode value = field(object, name);
    if (value == null || value.isNull()) {
      return "";
    }
    if (!value.isTextual()) {
      throw typeError(name, "string", value);
    }
    return value.asText();
  }

  static Map<String, String> stringMap(JsonNode object, String name) {
    JsonNode value = field(object, name);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isObject()) {
      throw typeError(name, "map[string]string", value);
    }
    Map<String, String> map = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> entries = value.fields();
    while (entries.hasNext()) {
      Map.Entry<String, JsonNode> entry = entries.next();
      if (!entry.getValue().isTextual()) {
        throw typeError(name, "string", entry.getValue());
      }
      map.put(entry.getKey(), entry.getValue().asText());
    }
    return map;
  }

  static ApiError typeError(String field, String goType, JsonNode value) {
    return new ApiError(
        400,
        "json: cannot unmarshal "
            + jsonKind(value)
            + " into Go struct field "
            + field
            + " of type "
            + goType);
  }

  static String jsonKind(JsonNode value) {
    if (value.isNumber()) {
      return "number";
    }
    if (value.isTextual()) {
      return "string";
    }
    if (value.isBoolean()) {
      return "bool";
    }
    return value.isArray() ? "array" : "object";
  }
}
