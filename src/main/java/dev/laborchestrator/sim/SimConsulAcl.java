package dev.laborchestrator.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.laborchestrator.sim.ApiServer.Call;
import dev.laborchestrator.sim.ApiServer.Reply;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The lab's Consul ACLs: one token and what its policy grants, which a test may change while a run
 * is under way ({@link #revoke}, {@link #grant}). Each permission covers every name, as a {@code
 * node_prefix ""} / {@code service_prefix ""} rule does. Without a token ACLs are off and
 * everything is allowed. A request without a token uses the anonymous token, which is granted
 * nothing.
 *
 * <p>Thread-safe: the permission set is replaced, never changed in place.
 */
public final class SimConsulAcl {

  /** The rights the controller's Consul calls need (acl/policy.go rule kinds). */
  public enum Permission {
    /** {@code node_prefix "" { policy = "read" }}: node checks (serfHealth) are visible. */
    NODE_READ("node", "read"),
    /** {@code node_prefix "" { policy = "write" }}: node maintenance on an agent; implies read. */
    NODE_WRITE("node", "write"),
    /** {@code service_prefix "" { policy = "read" }}: service checks are visible. */
    SERVICE_READ("service", "read"),
    /** {@code operator = "read"}: autopilot health. */
    OPERATOR_READ("operator", "read");

    final String resource;
    final String access;

    Permission(String resource, String access) {
      this.resource = resource;
      this.access = access;
    }

    @Override
    public String toString() {
      return resource + ":" + access;
    }
  }

  /** acl.Enforce (acl/authorizer.go): the resources it knows; others are a 400. */
  private static final Set<String> RESOURCES =
      Set.of(
          "acl",
          "agent",
          "event",
          "intention",
          "key",
          "keyring",
          "mesh",
          "node",
          "operator",
          "peering",
          "query",
          "service",
          "session");

  /** agent/acl_endpoint.go ACLAuthorize: {@code maxRequests}. */
  private static final int MAX_AUTHORIZATIONS = 64;

  private final String secret;
  private final String accessorId;
  private volatile Set<Permission> granted;

  SimConsulAcl(String secret, Set<Permission> granted) {
    this.secret = secret;
    this.accessorId =
        secret == null
            ? ""
            : UUID.nameUUIDFromBytes(("consul-accessor/" + secret).getBytes(StandardCharsets.UTF_8))
                .toString();
    this.granted = granted.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(granted));
  }

  /** Takes {@code permissions} away from the token, from the next request on. */
  public void revoke(Permission... permissions) {
    synchronized (this) {
      EnumSet<Permission> now = EnumSet.noneOf(Permission.class);
      now.addAll(granted);
      now.removeAll(Set.of(permissions));
      granted = Set.copyOf(now);
    }
  }

  /** Adds {@code permissions} to the token, from the next request on. */
  public void grant(Permission... permissions) {
    synchronized (this) {
      EnumSet<Permission> now = EnumSet.noneOf(Permission.class);
      now.addAll(granted);
      now.addAll(Set.of(permissions));
      granted = Set.copyOf(now);
    }
  }

  /** Whether ACLs are on (the lab was built with a Consul token). */
  public boolean enabled() {
    return secret != null;
  }

  String secret() {
    return secret;
  }

  /**
   * Whether the caller's token (anonymous without one) has {@code permission}; write implies read.
   */
  boolean allows(Call call, Permission permission) {
    if (secret == null) {
      return true;
    }
    if (ConsulApi.presentedToken(call).isEmpty()) {
      return false;
    }
    Set<Permission> now = granted;
    return now.contains(permission)
        || permission == Permission.NODE_READ && now.contains(Permission.NODE_WRITE);
  }

  /**
   * acl/errors.go PermissionDeniedByACL / the anonymous variant: 403 when the caller lacks {@code
   * permission} ({@code on} names the resource, or null), else null.
   */
  Reply denied(Call call, Permission permission, String on) {
    if (allows(call, permission)) {
      return null;
    }
    String where = on == null ? "" : " on \"" + on + "\"";
    if (ConsulApi.presentedToken(call).isEmpty()) {
      return Reply.text(
          403,
          "Permission denied: anonymous token lacks permission '"
              + permission
              + "'"
              + where
              + ". The anonymous token is used implicitly when a request does not specify a"
              + " token.");
    }
    return Reply.text(
        403,
        "Permission denied: token with AccessorID '"
            + accessorId
            + "' lacks permission '"
            + permission
            + "'"
            + where);
  }

  /**
   * {@code POST /v1/internal/acl/authorize} (agent/acl_endpoint.go ACLAuthorize, which the UI uses
   * to learn what the caller's token may do): 401 "ACL support disabled" when ACLs are off; a body
   * that is not a list of {@code {Resource, Segment, Access}} is a 400, as are more than 64 entries
   * and a resource or access level acl.Enforce does not know; otherwise each entry comes back with
   * {@code Allow} (structs.CreateACLAuthorizationResponses). Changes nothing.
   */
  Reply authorizeEndpoint(Call call) {
    if (secret == null) {
      return Reply.text(401, "ACL support disabled");
    }
    JsonNode body;
    try {
      body = ApiServer.JSON.readTree(call.body());
    } catch (java.io.IOException e) {
      return Reply.text(400, "Failed to decode request body: " + e.getMessage());
    }
    if (body == null || !(body.isArray() || body.isNull())) {
      return Reply.text(400, "Failed to decode request body: not a list of authorizations");
    }
    ArrayNode answers = JsonNodeFactory.instance.arrayNode();
    if (body.size() > MAX_AUTHORIZATIONS) {
      return Reply.text(
          400, "Refusing to process more than " + MAX_AUTHORIZATIONS + " authorizations at once");
    }
    for (JsonNode request : body) {
      String resource = request.path("Resource").asText("");
      String segment = request.path("Segment").asText("");
      String requested = request.path("Access").asText("");
      String access = requested.toLowerCase(Locale.ROOT);
      if (!RESOURCES.contains(resource)) {
        return Reply.text(400, "Invalid ACL resource requested: \"" + resource + "\"");
      }
      if (!access.equals("read") && !access.equals("write") && !access.equals("list")) {
        return Reply.text(400, "Invalid access level for " + resource + " resource: " + access);
      }
      boolean allow = false;
      for (Permission p : Permission.values()) {
        if (p.resource.equals(resource) && p.access.equals(access) && allows(call, p)) {
          allow = true;
        }
      }
      ObjectNode answer = answers.addObject();
      answer.put("Resource", resource);
      if (!segment.isEmpty()) {
        answer.put("Segment", segment);
      }
      answer.put("Access", requested);
      answer.put("Allow", allow);
    }
    return Reply.json(200, answers, Map.of());
  }
}
