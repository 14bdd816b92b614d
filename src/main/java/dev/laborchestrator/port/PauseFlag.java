package dev.laborchestrator.port;

import java.util.Optional;

/**
 * The operator's pause flag (a Nomad Variable): while it is set, a rollout starts no new host.
 * Reads may block until the flag changes, so that a held rollout resumes as soon as it is cleared.
 */
public interface PauseFlag {
  /**
   * The flag: present with the operator's words (reason, who, since) while paused, empty when not.
   *
   * @throws ApiException when it cannot be read
   */
  Indexed<Optional<String>> read(BlockingQuery query);
}
