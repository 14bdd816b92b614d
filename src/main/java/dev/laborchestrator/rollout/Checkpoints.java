package dev.laborchestrator.rollout;

/** Where the engine writes its checkpoint; {@link #NONE} keeps nothing (plan-only uses, tests). */
public interface Checkpoints {
  Checkpoints NONE = state -> {};

  /**
   * Persists {@code state} before the engine acts on it. Must not return until it is stored; a
   * failure to store stops the rollout rather than letting it run on unrecorded.
   */
  void save(RolloutState state);

  /**
   * Persists one host's transition; {@code state} is the whole rollout with it. By default the
   * whole state is written.
   */
  default void saveHost(RolloutState state, HostCheckpoint host) {
    save(state);
  }

  /**
   * Whether {@link #saveHost} writes only the host's own part, so that hosts may write at the same
   * time; otherwise the engine writes one state after the other, in order.
   */
  default boolean writesHostsApart(RolloutState state) {
    return false;
  }
}
