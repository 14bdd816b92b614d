package dev.laborchestrator.nomad;

import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.PauseFlag;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The pause flag as a Nomad Variable at {@value #PATH}: any variable there means paused, whatever
 * its items, so an operator can also pause from the Nomad UI's Variables page (create the variable
 * with any item, say {@code reason = disk swap}; delete it to resume). {@code lab-orchestrator
 * pause} writes the items {@code reason}, {@code by} and {@code since}.
 */
public final class NomadPauseFlag implements PauseFlag {
  public static final String PATH = "nomad/jobs/lab-orchestrator/pause";

  private final VariableResource variable;
  private final NomadVariables store;

  public NomadPauseFlag(NomadConnection connection) {
    this.variable = new VariableResource(connection, PATH);
    this.store = new NomadVariables(connection, PATH);
  }

  @Override
  public Indexed<Optional<String>> read(BlockingQuery query) {
    Indexed<Optional<VariableResource.Variable>> read =
        query.blocks() ? variable.read(query) : variable.retry().run(() -> variable.read(query));
    return new Indexed<>(read.value().map(v -> describe(v.itemsOrEmpty())), read.index());
  }

  /** Sets the flag (replacing an earlier one); returns what it says now. */
  public String pause(String reason, String by, Instant since) {
    Map<String, String> items = new LinkedHashMap<>();
    items.put("reason", reason == null || reason.isBlank() ? "paused by an operator" : reason);
    items.put("by", by);
    items.put("since", since.toString());
    long index = store.load().map(s -> s.modifyIndex()).orElse(0L);
    store.save(items, index);
    return describe(items);
  }

  /** Clears the flag; returns what it said, or empty when it was not set. */
  public Optional<String> resume() {
    Optional<dev.laborchestrator.port.StateStore.Stored> current = store.load();
    current.ifPresent(s -> store.delete(s.modifyIndex()));
    return current.map(s -> describe(s.items()));
  }

  static String describe(Map<String, String> items) {
    String reason = items.get("reason");
    if (reason == null) {
      return "paused in Nomad Variables ("
          + items.entrySet().stream()
              .sorted(Map.Entry.comparingByKey())
              .map(e -> e.getKey() + "=" + e.getValue())
              .collect(Collectors.joining(", "))
          + ")";
    }
    String by = items.get("by");
    String since = items.get("since");
    return "paused"
        + (by == null ? "" : " by " + by)
        + (since == null ? "" : " since " + since)
        + ": "
        + reason;
  }
}
