package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.port.NomadNode;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The room check before a drain, over fake node and allocation lists. */
class CapacityTest {
  final FakeNomadReads nomad = new FakeNomadReads();

  Optional<String> refusal() {
    return Capacity.refusal(nomad, "host", Set.of());
  }

  /** The host, with two service allocations of 500 MHz and 1024 MB each. */
  FakeNomadReads host() {
    return nomad
        .node("host", "default", "dc1", 0, 0)
        .alloc("s1", "host", "service", "running", 500, 1024)
        .alloc("s2", "host", "service", "running", 500, 1024);
  }

  @Test
  void whatMovesFitsOnAnotherNodeOfThePoolWithThreeReads() {
    host().node("peer", "default", "dc1", 1000, 2048);

    assertThat(refusal()).isEmpty();
    assertThat(nomad.requests).isEqualTo(3);
  }

  @Test
  void notEnoughCpuIsRefusedWithTheNumbers() {
    host().node("peer", "default", "dc1", 900, 4096);

    assertThat(refusal())
        .hasValue(
            "its 2 allocations (1000 MHz, 2048 MB) do not fit on the 1 other ready node of pool"
                + " default in dc1 (largest room 900 MHz, 4096 MB; s2.app[0] (500 MHz, 1024 MB) is"
                + " the first left without room, larger ones placed first)");
  }

  @Test
  void notEnoughMemoryIsRefused() {
    host().node("peer", "default", "dc1", 4000, 2000);

    assertThat(refusal()).get().asString().contains("largest room 4000 MHz, 2000 MB");
  }

  @Test
  void roomSplitOverTwoNodesDoesNotHoldAnAllocationLargerThanEither() {
    nomad
        .node("host", "default", "dc1", 0, 0)
        .alloc("big", "host", "service", "running", 100, 1000)
        .node("a", "default", "dc1", 4000, 600)
        .node("b", "default", "dc1", 4000, 600);

    assertThat(refusal()).get().asString().contains("do not fit on the 2 other ready nodes");
  }

  @Test
  void twoAllocationsThatFitOnlyTogetherInTotalAreRefused() {
    nomad
        .node("host", "default", "dc1", 0, 0)
        .alloc("s1", "host", "service", "running", 100, 600)
        .alloc("s2", "host", "service", "running", 100, 600)
        .node("a", "default", "dc1", 4000, 700)
        .node("b", "default", "dc1", 4000, 500);

    assertThat(refusal()).isPresent();
  }

  @Test
  void theLargerAllocationIsPlacedFirst() {
    nomad
        .node("host", "default", "dc1", 0, 0)
        .alloc("small", "host", "service", "running", 100, 400)
        .alloc("large", "host", "service", "running", 100, 1000)
        .node("a", "default", "dc1", 4000, 1000)
        .node("b", "default", "dc1", 4000, 600);

    assertThat(refusal()).isEmpty();
  }

  @Test
  void nodesOfAnotherPoolOrDatacenterAreNoPlaceToGo() {
    host().node("gpu", "gpu", "dc1", 9000, 9000).node("far", "default", "dc2", 9000, 9000);

    assertThat(refusal())
        .hasValue(
            "its 2 allocations (1000 MHz, 2048 MB) have nowhere to go: no other node of pool"
                + " default in dc1 is ready, eligible and in service");
  }

  @Test
  void ineligibleDrainingDownAndOutOfServiceNodesAreNoPlaceToGo() {
    host()
        .node("off", "default", "dc1", "ready", NomadNode.INELIGIBLE, false, 9000, 9000)
        // Nomad makes a draining node ineligible; the drain flag alone rules it out too
        .node("draining", "default", "dc1", "ready", NomadNode.ELIGIBLE, true, 9000, 9000)
        .node("down", "default", "dc1", "down", NomadNode.ELIGIBLE, false, 9000, 9000)
        .node("rebooting", "default", "dc1", 9000, 9000);

    assertThat(Capacity.refusal(nomad, "host", Set.of("rebooting")))
        .get()
        .asString()
        .contains("have nowhere to go");
  }

  @Test
  void aBusyNodeHasOnlyTheRoomItsLiveAllocationsLeave() {
    host()
        .node("busy", "default", "dc1", 3000, 4096)
        .alloc("held", "busy", "service", "running", 2500, 1024)
        .alloc("pending", "busy", "batch", "pending", 0, 2048);

    assertThat(refusal()).get().asString().contains("largest room 500 MHz, 1024 MB");
  }

  @Test
  void finishedAllocationsHoldNoRoom() {
    host()
        .node("peer", "default", "dc1", 1000, 2048)
        .alloc("done", "peer", "service", "complete", 1000, 2048)
        .alloc("crashed", "peer", "batch", "failed", 1000, 2048)
        .alloc("gone", "peer", "service", "lost", 1000, 2048);

    assertThat(refusal()).isEmpty();
  }

  @Test
  void batchSystemAndFinishedAllocationsDoNotMove() {
    nomad
        .node("host", "default", "dc1", 0, 0)
        .alloc("batch", "host", "batch", "running", 500, 512)
        .alloc("system", "host", "system", "running", 500, 512)
        .alloc("sysbatch", "host", "sysbatch", "running", 500, 512)
        .alloc("done", "host", "service", "complete", 500, 512);
    nomad.add(
        FakeNomadReads.allocation(
            "stopping", "host", "service", "running", "stop", 500, 512, true, false, ""));

    assertThat(refusal()).isEmpty();
    assertThat(nomad.requests).as("only the host's own allocations are read").isEqualTo(1);
  }

  @Test
  void aHostWithNothingToMoveMayGoWhateverOtherDrainsStillMove() {
    nomad
        .node("host", "default", "dc1", 0, 0)
        .alloc("batch", "host", "batch", "running", 500, 512)
        .node("other", "default", "dc1", 0, 0)
        .alloc("o1", "other", "service", "running", 100, 100);

    assertThat(Capacity.refusal(nomad, "host", Set.of("other"))).isEmpty();
  }

  @Test
  void whatAnotherDrainStillHasToMoveNeedsRoomToo() {
    host()
        .node("peer", "default", "dc1", 1000, 2048)
        .node("other", "default", "dc1", 0, 0)
        .alloc("o1", "other", "service", "running", 100, 100);

    assertThat(Capacity.refusal(nomad, "host", Set.of("other")))
        .get()
        .asString()
        .startsWith(
            "its 2 allocations (1000 MHz, 2048 MB) and the 1 allocation (100 MHz, 100 MB) still to"
                + " move off 1 other node out of service do not fit");
    assertThat(refusal()).as("without the other drain").isEmpty();
  }

  @Test
  void aNodeNomadDoesNotListIsRefused() {
    nomad
        .node("peer", "default", "dc1", 1000, 2048)
        .alloc("s1", "host", "service", "running", 500, 1024);

    assertThat(refusal())
        .hasValue("node host is not in Nomad's node list, so the room for its work is unknown");
  }
}
