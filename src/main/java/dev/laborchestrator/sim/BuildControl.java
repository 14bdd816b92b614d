package dev.laborchestrator.sim;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The lab's control endpoints for builds, beside reboot and rollback, which the executors'
 * stand-ins call as a host's build and activation would run (nixos/modules/tasks/auto-upgrade.nix;
 * nixos-rebuild's build, then {@code switch-to-configuration switch|boot}):
 *
 * <ul>
 *   <li>{@code POST /sim/v1/build/<hostname>?revision=<rev>}: builds and stages the system; answers
 *       once the build is over: 200 {@code {"Host","Revision","StorePath","RebootNeeded"}}, 422
 *       when the build failed, 404 for an unknown host, 409 when the host is down or already
 *       building;
 *   <li>{@code POST /sim/v1/switch/<hostname>?path=<store path>}: switches to the staged build
 *       without a reboot; 200 {@code {"Host","Revision","Switched":true}}, 409 when nothing is
 *       staged (or another path is), or the host is not up, 404 for an unknown host.
 * </ul>
 *
 * Booting the staged build is {@code POST /sim/v1/reboot/<hostname>} without a revision.
 */
final class BuildControl {

  static final String BUILD_PREFIX = "/sim/v1/build/";
  static final String SWITCH_PREFIX = "/sim/v1/switch/";

  /**
   * Longest a build request waits for its build; a longer build is answered 409 "still building".
   */
  private static final long MAX_BUILD_WAIT_NANOS = TimeUnit.MINUTES.toNanos(30);

  private BuildControl() {}

  static boolean handles(ApiServer.Call call) {
    return call.path().startsWith(BUILD_PREFIX) || call.path().startsWith(SWITCH_PREFIX);
  }

  static ApiServer.Reply handle(Cluster cluster, ApiServer.Call call) {
    boolean build = call.path().startsWith(BUILD_PREFIX);
    if (!"POST".equals(call.method())) {
      return NomadApi.controlReply(405, "use POST");
    }
    String host = call.path().substring((build ? BUILD_PREFIX : SWITCH_PREFIX).length());
    if (host.isEmpty() || host.contains("/")) {
      return NomadApi.controlReply(404, "no host named " + host);
    }
    return build ? build(cluster, call, host) : switchTo(cluster, call, host);
  }

  private static ApiServer.Reply build(Cluster cluster, ApiServer.Call call, String host) {
    Cluster.BuildResult result;
    try {
      result = cluster.build(host, emptyToNull(call.param("revision")), MAX_BUILD_WAIT_NANOS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return NomadApi.controlReply(503, "the lab is closing");
    }
    return switch (result.outcome()) {
      case BUILT -> {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("Host", host);
        body.put("Revision", result.revision());
        body.put("StorePath", result.storePath());
        body.put("RebootNeeded", result.rebootNeeded());
        yield ApiServer.Reply.json(200, body, Map.of());
      }
      case FAILED -> NomadApi.controlReply(422, result.error());
      case UNKNOWN_HOST -> NomadApi.controlReply(404, result.error());
      case BUSY -> NomadApi.controlReply(409, result.error());
    };
  }

  private static ApiServer.Reply switchTo(Cluster cluster, ApiServer.Call call, String host) {
    Cluster.SwitchOutcome outcome = cluster.switchTo(host, emptyToNull(call.param("path")));
    return switch (outcome) {
      case SWITCHED -> {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("Host", host);
        body.put("Revision", cluster.nodeMeta(host).get(NodeModel.META_REVISION));
        body.put("Switched", true);
        yield ApiServer.Reply.json(200, body, Map.of());
      }
      case UNKNOWN_HOST -> NomadApi.controlReply(404, "no host named " + host);
      case NOTHING_BUILT -> NomadApi.controlReply(409, host + " has no build to switch to");
      case OTHER_PATH -> NomadApi.controlReply(409, host + " has another build staged");
      case NOT_UP -> NomadApi.controlReply(409, host + " is not up");
    };
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }
}
