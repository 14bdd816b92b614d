package dev.laborchestrator.http;

import com.fasterxml.jackson.databind.JsonNode;

/** Turns a JSON answer into a value; throws {@link UnexpectedShape} when it cannot. */
@FunctionalInterface
public interface ResponseReader<T> {
  T read(JsonNode body);
}
