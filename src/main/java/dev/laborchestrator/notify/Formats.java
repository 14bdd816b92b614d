package dev.laborchestrator.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.laborchestrator.config.OrchestratorConfig.NotifySettings;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * The three wire formats: {@code json} (our schema), {@code slack} (an incoming webhook's {@code
 * {"text": ...}}), {@code ntfy} (the message as a plain-text POST body, a {@code Title} header;
 * docs.ntfy.sh/publish).
 */
final class Formats {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json; charset=utf-8");
  private static final MediaType TEXT = MediaType.get("text/plain; charset=utf-8");

  private Formats() {}

  static Request request(NotifySettings target, Notification n) {
    HttpUrl url =
        HttpUrl.get(target.url().toString()).newBuilder().username("").password("").build();
    Request.Builder request =
        new Request.Builder().url(url).header("User-Agent", "lab-orchestrator");
    return switch (target.format()) {
      case JSON -> request.post(RequestBody.create(json(n), JSON_TYPE)).build();
      case SLACK ->
          request.post(RequestBody.create(json(Map.of("text", n.message())), JSON_TYPE)).build();
      case NTFY ->
          request
              .header("Title", ascii("lab-orchestrator: " + n.eventName()))
              .post(RequestBody.create(n.message(), TEXT))
              .build();
    };
  }

  static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** HTTP header values are ASCII. */
  private static String ascii(String text) {
    return text.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
