package dev.laborchestrator.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The published JSON Schemas (src/main/resources/schemas), checked with a real validator. */
public final class Schemas {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Schemas() {}

  /**
   * The violations of {@code json} against {@code schemas/<name>.schema.json}; empty when valid.
   */
  public static List<String> violations(String name, String json) {
    try (InputStream in = Schemas.class.getResourceAsStream("/schemas/" + name + ".schema.json")) {
      if (in == null) {
        throw new AssertionError("no schema " + name);
      }
      Schema schema =
          SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(in);
      JsonNode node = JSON.readTree(json);
      return schema.validate(node).stream().map(Error::toString).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
