package dev.laborchestrator.config;

import dev.laborchestrator.config.ConfigLoader.RawMetrics;
import dev.laborchestrator.config.ConfigLoader.RawNotify;
import dev.laborchestrator.config.OrchestratorConfig.MetricsSettings;
import dev.laborchestrator.config.OrchestratorConfig.NotifyEvent;
import dev.laborchestrator.config.OrchestratorConfig.NotifyFormat;
import dev.laborchestrator.config.OrchestratorConfig.NotifySettings;
import dev.laborchestrator.config.OrchestratorConfig.Pushgateway;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code notify} and {@code metrics} keys. A URL is never echoed in a message: it may carry a
 * webhook secret in its path.
 */
final class OperatorKeys {
  static final String DEFAULT_JOB = "lab-orchestrator";

  private OperatorKeys() {}

  static List<NotifySettings> notifications(List<RawNotify> raw) {
    if (raw == null) {
      return List.of();
    }
    List<NotifySettings> out = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      String key = "notify[" + i + "]";
      RawNotify n = raw.get(i);
      if (n == null) {
        throw new InvalidInputException(key + " is empty: give at least a url");
      }
      out.add(
          new NotifySettings(
              httpUrl(n.url(), key + ".url"), format(n.format(), key), events(n.events(), key)));
    }
    return out;
  }

  static MetricsSettings metrics(RawMetrics raw) {
    if (raw == null) {
      return MetricsSettings.OFF;
    }
    Integer port = raw.port();
    if (port != null && (port < 1 || port > 65535)) {
      throw new InvalidInputException("metrics.port " + port + " is not a TCP port (1 to 65535)");
    }
    Pushgateway push = null;
    if (raw.pushgateway() != null) {
      URI url = httpUrl(raw.pushgateway().url(), "metrics.pushgateway.url");
      String job = raw.pushgateway().job();
      if (job != null && job.isBlank()) {
        throw new InvalidInputException(
            "metrics.pushgateway.job is blank: leave it out for " + DEFAULT_JOB);
      }
      push = new Pushgateway(url, job == null ? DEFAULT_JOB : job.strip());
    }
    return new MetricsSettings(port, push);
  }

  /** An absolute http(s) URL with a host; the message names {@code key}, never the URL itself. */
  static URI httpUrl(String text, String key) {
    if (text == null || text.isBlank()) {
      throw new InvalidInputException(key + " is missing: an http:// or https:// URL");
    }
    URI url;
    try {
      url = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new InvalidInputException(key + " is not a valid URL");
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new InvalidInputException(
          key
              + " is not an http:// or https:// URL"
              + (scheme.isEmpty() ? "" : " (its scheme is " + scheme + ")"));
    }
    if (url.getHost() == null || url.getHost().isBlank()) {
      throw new InvalidInputException(key + " has no host");
    }
    return url;
  }

  private static NotifyFormat format(String text, String key) {
    if (text == null) {
      return NotifyFormat.JSON;
    }
    try {
      return NotifyFormat.valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(
          key + ".format '" + text + "' is not known: use json, slack or ntfy");
    }
  }

  private static Set<NotifyEvent> events(List<String> names, String key) {
    if (names == null) {
      return EnumSet.allOf(NotifyEvent.class);
    }
    if (names.isEmpty()) {
      throw new InvalidInputException(key + ".events is empty: leave it out for every event");
    }
    Set<NotifyEvent> events = EnumSet.noneOf(NotifyEvent.class);
    for (String name : names) {
      NotifyEvent event =
          Arrays.stream(NotifyEvent.values())
              .filter(e -> name != null && e.wire().equals(name.strip().toLowerCase(Locale.ROOT)))
              .findFirst()
              .orElseThrow(
                  () ->
                      new InvalidInputException(
                          key
                              + ".events: '"
                              + name
                              + "' is not known: use "
                              + Arrays.stream(NotifyEvent.values())
                                  .map(NotifyEvent::wire)
                                  .collect(Collectors.joining(", "))));
      events.add(event);
    }
    return events;
  }
}
