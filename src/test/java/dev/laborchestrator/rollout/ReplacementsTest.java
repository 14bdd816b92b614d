package dev.laborchestrator.rollout;

import static dev.laborchestrator.rollout.FakeNomadReads.allocation;
import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.rollout.Replacements.State;
import dev.laborchestrator.rollout.Replacements.Status;
import org.junit.jupiter.api.Test;

/** Whether what a drain moved runs healthy elsewhere, over fake allocations. */
class ReplacementsTest {
  final FakeNomadReads nomad = new FakeNomadReads();

  /** An allocation the drainer moved off "host", replaced by {@code next} ("" for none yet). */
  void drained(String id, String next) {
    nomad.add(allocation(id, "host", "service", "complete", "stop", 100, 100, true, true, next));
  }

  void replacement(String id, String clientStatus, Boolean healthy) {
    nomad.add(allocation(id, "peer", "service", clientStatus, "run", 100, 100, healthy, false, ""));
  }

  Status status() {
    return Replacements.status(nomad, "host");
  }

  @Test
  void aReplacementRunningAndHealthyIsDone() {
    drained("a", "a2");
    replacement("a2", "running", true);

    Status status = status();

    assertThat(status.done()).isTrue();
    assertThat(status.failed()).isFalse();
    assertThat(status.describe()).isEqualTo("1 of 1 replacements running and healthy");
    assertThat(nomad.requests).isEqualTo(2);
  }

  @Test
  void aReplacementNotRunningYetIsWaitedFor() {
    drained("a", "a2");
    replacement("a2", "pending", null);

    Status status = status();

    assertThat(status.done()).isFalse();
    assertThat(status.failed()).isFalse();
    assertThat(status.describe())
        .isEqualTo(
            "0 of 1 replacements running and healthy; waiting for job job-a (a.app[0]):"
                + " replacement pending, health not reported yet");
  }

  @Test
  void aRunningReplacementWithoutReportedHealthIsWaitedFor() {
    drained("a", "a2");
    replacement("a2", "running", null);

    assertThat(status().pending())
        .singleElement()
        .extracting(r -> r.replacementId())
        .isEqualTo("a2");
  }

  @Test
  void aDrainedAllocationWithoutNextAllocationIsWaitedFor() {
    drained("a", "");

    Status status = status();

    assertThat(status.done()).isFalse();
    assertThat(status.pending())
        .singleElement()
        .satisfies(r -> assertThat(r.reason()).isEqualTo("no replacement placed yet"));
  }

  @Test
  void anAllocationStillRunningOnTheDrainedNodeIsWaitedFor() {
    nomad.add(allocation("a", "host", "service", "running", "run", 100, 100, true, true, ""));

    assertThat(status().pending())
        .singleElement()
        .satisfies(r -> assertThat(r.reason()).isEqualTo("still running on the drained node"));
  }

  @Test
  void aReplacementReportedUnhealthyFailsNamingTheJob() {
    drained("a", "a2");
    replacement("a2", "running", false);
    drained("b", "b2");
    replacement("b2", "running", true);

    Status status = status();

    assertThat(status.failed()).isTrue();
    assertThat(status.done()).isFalse();
    assertThat(status.unhealthyJobs()).containsExactly("job-a");
    assertThat(status.describe())
        .isEqualTo(
            "1 of 2 replacements running and healthy; unhealthy: job job-a (a.app[0]):"
                + " replacement reported unhealthy");
  }

  @Test
  void aFailedReplacementIsUnhealthy() {
    drained("a", "a2");
    replacement("a2", "failed", null);

    assertThat(status().unhealthyJobs()).containsExactly("job-a");
  }

  @Test
  void aReplacementThatWasItselfReplacedIsFollowed() {
    drained("a", "a2");
    nomad.add(allocation("a2", "peer", "service", "complete", "stop", 100, 100, null, true, "a3"));
    replacement("a3", "running", true);

    Status status = status();

    assertThat(status.done()).isTrue();
    assertThat(status.replacements())
        .singleElement()
        .extracting(r -> r.replacementId())
        .isEqualTo("a3");
  }

  @Test
  void aReplacementStoppedOnPurposeOrForgottenIsNotWaitedFor() {
    drained("a", "a2");
    nomad.add(allocation("a2", "peer", "service", "complete", "stop", 100, 100, true, false, ""));
    drained("b", "b-gc");

    Status status = status();

    assertThat(status.done()).isTrue();
    assertThat(status.replacements()).extracting(r -> r.state()).containsOnly(State.GONE);
  }

  @Test
  void onlyServiceAllocationsTheDrainerMovedCount() {
    // placed on the host after it came back: not moved
    nomad.add(allocation("new", "host", "service", "pending", "run", 100, 100, null, false, ""));
    // batch and system allocations are not replaced
    nomad.add(allocation("batch", "host", "batch", "complete", "stop", 100, 100, null, true, ""));
    nomad.add(allocation("sys", "host", "system", "complete", "stop", 100, 100, null, true, ""));

    Status status = status();

    assertThat(status.replacements()).isEmpty();
    assertThat(status.done()).isTrue();
  }

  @Test
  void anAllocationAnEarlierDrainMovedIsNotJudgedAgain() {
    // moved by a drain before this one (modified at 400, this drain began after 500), its
    // replacement since failed: not this drain's work
    nomad.add(
        allocation(
            "old", "host", "service", "complete", "stop", 100, 100, true, true, "old2", 400));
    replacement("old2", "failed", false);
    drained("a", "a2");
    replacement("a2", "running", true);

    Status status = Replacements.status(nomad, "host", 500);

    assertThat(status.replacements()).extracting(r -> r.original().id()).containsExactly("a");
    assertThat(status.done()).isTrue();
    // without the drain's index (a checkpoint from before it was kept), every marked one counts
    assertThat(Replacements.status(nomad, "host", 0).failed()).isTrue();
  }
}
