package dev.laborchestrator.consul;

import com.fasterxml.jackson.databind.JsonNode;
import dev.laborchestrator.http.HttpApi;
import dev.laborchestrator.http.HttpApi.Answer;
import dev.laborchestrator.http.HttpApi.Exchange;
import dev.laborchestrator.http.UnexpectedShape;
import dev.laborchestrator.port.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the Consul token may do, asked of Consul without doing it: {@code POST
 * /v1/internal/acl/authorize} with a list of {@code {Resource, Segment, Access}}, answered with
 * {@code Allow} for each (agent/acl_endpoint.go ACLAuthorize; the Consul UI asks its permissions
 * this way). Every agent serves it and resolves the token itself, so asked of a host's own agent it
 * also proves that agent is reachable with the configured scheme, port and TLS.
 *
 * <p>Why not judge from a health answer: Consul sets {@code X-Consul-Results-Filtered-By-ACLs} only
 * when something was actually left out, so a node that has no service check right now would hide
 * that the token lacks {@code service:read}. The endpoint is internal (undocumented, but stable
 * since the UI depends on it); where it is missing (HTTP 404/405) the answer is empty and the
 * caller falls back on the run-time check of every health answer.
 */
public final class ConsulAcl {
  private static final List<String> PATH = List.of("v1", "internal", "acl", "authorize");

  /** agent/acl_endpoint.go: {@code aclDisabled}, the answer when ACLs are off. */
  private static final String ACL_DISABLED = "ACL support disabled";

  private final HttpApi api;

  public ConsulAcl(ConsulConnection connection) {
    this.api = connection.api();
  }

  /** One permission: {@code service:read}, or {@code node:write on "web-1"} with a segment. */
  public record Permission(String resource, String segment, String access) {
    public Permission {
      Objects.requireNonNull(resource, "resource");
      Objects.requireNonNull(access, "access");
      segment = segment == null ? "" : segment;
    }

    /** On every name: the empty segment, which only a {@code *_prefix ""} rule grants. */
    public static Permission everywhere(String resource, String access) {
      return new Permission(resource, "", access);
    }

    @Override
    public String toString() {
      return resource + ":" + access + (segment.isEmpty() ? "" : " on \"" + segment + "\"");
    }
  }

  /**
   * The permissions in {@code wanted} that the token lacks, asked of the configured Consul address
   * (retried on transient failures). Empty when ACLs are off; {@link Optional#empty()} when this
   * Consul has no such endpoint.
   *
   * @throws ApiException when Consul refuses the token or cannot be reached
   */
  public Optional<List<Permission>> missing(List<Permission> wanted) {
    return api.retry().run(() -> ask(api, wanted));
  }

  /**
   * Like {@link #missing}, asked once (no retries) of the Consul agent at {@code hostAddress}, with
   * the scheme, port, token and TLS of the configured address.
   *
   * @throws IllegalArgumentException when {@code hostAddress} is not a host name or IP address
   */
  public Optional<List<Permission>> missingOnAgent(String hostAddress, List<Permission> wanted) {
    return ask(api.atHost(Objects.requireNonNull(hostAddress, "hostAddress")), wanted);
  }

  private static Optional<List<Permission>> ask(HttpApi on, List<Permission> wanted) {
    List<Map<String, String>> body = new ArrayList<>();
    for (Permission p : wanted) {
      Map<String, String> request = new LinkedHashMap<>();
      request.put("Resource", p.resource());
      if (!p.segment().isEmpty()) {
        request.put("Segment", p.segment());
      }
      request.put("Access", p.access());
      body.add(request);
    }
    Exchange exchange =
        new Exchange("POST", PATH, Map.of(), body, Set.of()).answering(401, 404, 405);
    return on.send(exchange, answer -> read(answer, wanted));
  }

  private static Optional<List<Permission>> read(Answer answer, List<Permission> wanted) {
    if (answer.status() == 404 || answer.status() == 405) {
      return Optional.empty();
    }
    if (answer.status() == 401) {
      if (answer.body().contains(ACL_DISABLED)) {
        return Optional.of(List.of());
      }
      throw ApiException.status(401, "POST", "/v1/internal/acl/authorize", answer.body());
    }
    JsonNode json = answer.json();
    if (!json.isArray() || json.size() != wanted.size()) {
      throw new UnexpectedShape("expected a list of " + wanted.size() + " authorizations");
    }
    List<Permission> missing = new ArrayList<>();
    for (int i = 0; i < wanted.size(); i++) {
      JsonNode allow = json.get(i).get("Allow");
      if (allow == null || !allow.isBoolean()) {
        throw new UnexpectedShape("authorization " + i + " has no boolean Allow");
      }
      if (!allow.booleanValue()) {
        missing.add(wanted.get(i));
      }
    }
    return Optional.of(List.copyOf(missing));
  }

  @Override
  public String toString() {
    return "ConsulAcl[" + api + "]";
  }
}
