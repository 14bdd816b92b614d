package dev.laborchestrator.nomad;

import dev.laborchestrator.nomad.VariableResource.Reply;
import dev.laborchestrator.nomad.VariableResource.Variable;
import dev.laborchestrator.port.StateStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link StateStore} over one Nomad Variable (Nomad 1.4+): {@code GET /v1/var/:path}, {@code PUT
 * /v1/var/:path?cas=<index>} and {@code DELETE /v1/var/:path?cas=<index>}, in the connection's
 * namespace.
 *
 * <p>Writes are retried on transient failures, never blindly: before each repeat the variable is
 * read again. If it already holds exactly the items being written at a newer index, the earlier
 * attempt landed and its index is returned; if it is still at the expected index, the write is sent
 * again; otherwise it is a {@link CasConflict}. A 409 whose conflicting value equals the items
 * being written is taken as success in the same way (the state is what the caller wanted), so a
 * write that landed but whose answer was lost never reads as a conflict.
 */
public final class NomadVariables implements StateStore {
  public static final String DEFAULT_PATH = "nomad/jobs/lab-orchestrator/state";

  private final VariableResource variable;

  /** The rollout state at {@value #DEFAULT_PATH}. */
  public NomadVariables(NomadConnection connection) {
    this(connection, DEFAULT_PATH);
  }

  /**
   * @throws IllegalArgumentException when {@code path} is not a valid Nomad variable path
   */
  public NomadVariables(NomadConnection connection, String path) {
    this.variable = new VariableResource(connection, path);
  }

  @Override
  public Optional<Stored> load() {
    return variable.retry().run(variable::read).map(NomadVariables::stored);
  }

  /**
   * Reads the variable as a blocking query: returns when its index passes {@code query.index()} or
   * after the wait (a return does not guarantee a change), with the index to block on next. Nomad
   * answers a missing variable with the variables table's index, so this also waits for it to
   * appear.
   */
  public dev.laborchestrator.port.Indexed<Optional<Stored>> load(
      dev.laborchestrator.port.BlockingQuery query) {
    var read = variable.read(query);
    return new dev.laborchestrator.port.Indexed<>(
        read.value().map(NomadVariables::stored), read.index());
  }

  /**
   * @throws IllegalArgumentException when {@code items} is empty (Nomad refuses an empty variable)
   */
  @Override
  public long save(Map<String, String> items, long expectedIndex) {
    Map<String, String> wanted = Map.copyOf(items);
    if (wanted.isEmpty()) {
      throw new IllegalArgumentException("a Nomad variable needs at least one item");
    }
    requireIndex(expectedIndex);
    AtomicInteger attempts = new AtomicInteger();
    return variable
        .retry()
        .run(() -> saveOnce(wanted, expectedIndex, attempts.getAndIncrement() > 0));
  }

  /**
   * Deletes the variable when it is still at {@code expectedIndex}; a variable that is already gone
   * counts as deleted (after a repeated delete, that is the earlier attempt's doing).
   */
  @Override
  public void delete(long expectedIndex) {
    requireIndex(expectedIndex);
    AtomicInteger attempts = new AtomicInteger();
    variable
        .retry()
        .run(
            () -> {
              deleteOnce(expectedIndex, attempts.getAndIncrement() > 0);
              return null;
            });
  }

  @Override
  public String toString() {
    return "NomadVariables[" + variable.path() + "]";
  }

  private long saveOnce(Map<String, String> items, long expectedIndex, boolean repeat) {
    if (repeat) {
      Optional<Stored> current = variable.read().map(NomadVariables::stored);
      if (current.isPresent()
          && current.get().items().equals(items)
          && current.get().modifyIndex() != expectedIndex) {
        return current.get().modifyIndex();
      }
      if (!at(current, expectedIndex)) {
        throw conflict(current, expectedIndex);
      }
    }
    Reply reply = variable.casWrite(items, expectedIndex);
    if (reply.status() == 409) {
      Optional<Stored> current = conflictValue(reply);
      if (current.isPresent() && current.get().items().equals(items)) {
        return current.get().modifyIndex();
      }
      throw conflict(current, expectedIndex);
    }
    long index = reply.variable().modifyIndex();
    if (index <= 0) {
      throw VariableResource.shape("PUT", variable, "no ModifyIndex in the written variable");
    }
    return index;
  }

  private void deleteOnce(long expectedIndex, boolean repeat) {
    if (repeat) {
      Optional<Stored> current = variable.read().map(NomadVariables::stored);
      if (current.isEmpty()) {
        return;
      }
      if (current.get().modifyIndex() != expectedIndex) {
        throw conflict(current, expectedIndex);
      }
    }
    Reply reply = variable.casDelete(expectedIndex);
    if (reply.status() == 409) {
      Optional<Stored> current = conflictValue(reply);
      if (current.isPresent()) {
        throw conflict(current, expectedIndex);
      }
    }
  }

  /**
   * The value a 409 reports; read again when the answer does not show it (Nomad's "cas error" text,
   * a zero value, or no items for a token that may not read them).
   */
  private Optional<Stored> conflictValue(Reply reply) {
    Variable conflicting = reply.variable();
    if (conflicting != null && !conflicting.zeroValue() && conflicting.items() != null) {
      return Optional.of(stored(conflicting));
    }
    return variable.read().map(NomadVariables::stored);
  }

  private static boolean at(Optional<Stored> current, long expectedIndex) {
    return expectedIndex == 0
        ? current.isEmpty()
        : current.isPresent() && current.get().modifyIndex() == expectedIndex;
  }

  private CasConflict conflict(Optional<Stored> current, long expectedIndex) {
    String found =
        current.map(stored -> "it is at index " + stored.modifyIndex()).orElse("it does not exist");
    String expected = expectedIndex == 0 ? "it not to exist" : "it at index " + expectedIndex;
    return new CasConflict(
        "Nomad variable "
            + variable.path()
            + " was changed by another writer: expected "
            + expected
            + ", but "
            + found,
        current);
  }

  private static Stored stored(Variable variable) {
    return new Stored(variable.itemsOrEmpty(), variable.modifyIndex());
  }

  private static void requireIndex(long expectedIndex) {
    if (expectedIndex < 0) {
      throw new IllegalArgumentException("an index is never negative: " + expectedIndex);
    }
  }
}
