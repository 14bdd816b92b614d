package dev.laborchestrator.rollout;

/** Where the engine writes its checkpoint; {@link #NONE} keeps nothing (plan-only uses, tests). */
public interface Checkpoints {
  Checkpoints NONE = state -> {};

  /**
   * Persists {@code state} before the engine acts on it. Must not return until it is stored; a
   * failure to store stops the rollout rather than letting it run on unrecorded.
   */
  void save(RolloutState state);
}
