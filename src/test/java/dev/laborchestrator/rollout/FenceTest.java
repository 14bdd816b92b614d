package dev.laborchestrator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.config.HostSpec;
import dev.laborchestrator.config.OrchestratorConfig.IneligibleHosts;
import dev.laborchestrator.plan.Plan;
import dev.laborchestrator.plan.Planner;
import dev.laborchestrator.port.DrainRequest;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.HostTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FenceTest {
  private static final Duration TTL = Duration.ofSeconds(10);
  private static final DrainRequest DRAIN = new DrainRequest(Duration.ofHours(1), true, Map.of());

  private final FakeLab lab = new FakeLab();
  private final FakeClock clock = lab.clock;

  private Fence fence() {
    lab.add("a");
    return new Fence(clock, TTL, clock.nanoTime());
  }

  private Ports fenced(Fence fence) {
    return FencedPorts.of(new Ports(lab, lab, lab, clock, null, null, lab), fence);
  }

  private String nodeId() {
    return lab.node("a").id;
  }

  /** Starts {@code call} on its own thread and returns once it waits on the fence. */
  private static Thread blockedOn(Runnable call, AtomicReference<Throwable> thrown)
      throws InterruptedException {
    Thread thread =
        new Thread(
            () -> {
              try {
                call.run();
              } catch (Throwable t) {
                thrown.set(t);
              }
            });
    thread.start();
    while (thread.getState() != Thread.State.WAITING && thread.isAlive()) {
      Thread.onSpinWait();
    }
    assertThat(thread.isAlive()).as("the call is held back").isTrue();
    return thread;
  }

  @Test
  void mutatingCallsPassWhileTheLeaseIsWithinItsTtl() throws Exception {
    Fence fence = fence();
    Ports ports = fenced(fence);
    clock.sleep(TTL.minusMillis(1));

    ports.nomad().drain(nodeId(), DRAIN);
    ports.maintenance().enable("10.0.0.1", "rollout");

    assertThat(lab.calls).containsExactly("drain " + nodeId(), "maintenance on 10.0.0.1");
  }

  @Test
  void noMutatingCallStartsOnceTheTtlHasPassedUntilARenewalSucceeds() throws Exception {
    Fence fence = fence();
    Ports ports = fenced(fence);
    clock.sleep(TTL);
    assertThat(fence.valid()).isFalse();

    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread drain = blockedOn(() -> ports.nomad().drain(nodeId(), DRAIN), thrown);
    assertThat(lab.calls).isEmpty();

    fence.renewed(fence.now());
    drain.join();

    assertThat(thrown.get()).isNull();
    assertThat(lab.calls).containsExactly("drain " + nodeId());
    // reads are never held back
    ports.nomad().listNodes();
  }

  @Test
  void theTtlCountsFromWhenTheRenewalWasSentNotWhenItsAnswerCame() throws Exception {
    Fence fence = fence();
    clock.sleep(Duration.ofSeconds(5));
    long sent = fence.now();
    clock.sleep(Duration.ofSeconds(8)); // a slow answer
    fence.renewed(sent);
    assertThat(fence.remaining()).isEqualTo(Duration.ofSeconds(2));

    clock.sleep(Duration.ofSeconds(2));

    assertThat(fence.valid()).isFalse();
    assertThat(fence.remaining()).isZero();
  }

  private static HostTarget target() {
    return new HostTarget("a", "id-a", "10.0.0.1");
  }

  @Test
  void aLostLeaseStopsWaitingAndLaterMutatingCalls() throws Exception {
    Fence fence = fence();
    Ports ports = fenced(fence);
    clock.sleep(TTL.plusSeconds(1));
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread reboot =
        blockedOn(
            () -> {
              try {
                ports.executor().rebuildAndReboot(target());
              } catch (HostExecutor.ExecutorException e) {
                throw new IllegalStateException(e);
              }
            },
            thrown);

    assertThat(fence.lose("HTTP 409 to lock-renew")).isTrue();
    reboot.join();

    assertThat(thrown.get()).isInstanceOf(Fence.Stopped.class).hasMessage("HTTP 409 to lock-renew");
    fence.renewed(fence.now()); // too late: a lost lease stays lost
    assertThatThrownBy(() -> ports.nomad().setEligibility(nodeId(), true))
        .isInstanceOf(Fence.Stopped.class);
    assertThat(lab.calls).isEmpty();
  }

  @Test
  void aLeaseThatCouldNotBeRenewedForTwiceItsTtlIsLost() {
    Fence fence = fence();
    clock.sleep(TTL.multipliedBy(2).minusMillis(1));
    assertThat(fence.renewalFailed("timeout")).isFalse();
    assertThat(fence.lost()).isEmpty();

    clock.sleep(Duration.ofMillis(1));

    assertThat(fence.renewalFailed("timeout")).isTrue();
    assertThat(fence.lost()).hasValueSatisfying(why -> assertThat(why).contains("twice its TTL"));
  }

  @Test
  void anInterruptWhileWaitingStopsTheCall() throws Exception {
    Fence fence = fence();
    Ports ports = fenced(fence);
    clock.sleep(TTL);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread enable = blockedOn(() -> ports.nomad().setEligibility(nodeId(), true), thrown);

    enable.interrupt();
    enable.join();

    assertThat(thrown.get()).isInstanceOf(Fence.Stopped.class);
    assertThat(lab.calls).isEmpty();
  }

  @Test
  void aHostWhoseLeaseIsLostStopsWhereItIsWithItsCheckpointKept() throws Exception {
    Fence fence = fence();
    List<HostSpec> hosts = List.of(Fixtures.host("a", 1));
    Plan plan = Planner.plan(hosts, lab.listNodes(), new Planner.Options(1, IneligibleHosts.SKIP));
    FakeStateStore variables = new FakeStateStore();
    RolloutStateStore store = new RolloutStateStore(variables);
    Checkpoints losesTheLeaseBeforeTheReboot =
        state -> {
          store.save(state);
          if (state.host("a").orElseThrow().state() == HostState.REBUILDING) {
            fence.lose("lock-renew answered 409");
          }
        };

    RolloutResult result =
        new RolloutEngine(
                fenced(fence),
                Fixtures.settings(),
                (h, f, t, a, b, d) -> {},
                losesTheLeaseBeforeTheReboot)
            .run(plan, "r-1");

    assertThat(lab.calls).noneMatch(c -> c.startsWith("reboot"));
    assertThat(result.hosts().get(0).state()).isEqualTo(HostState.REBUILDING);
    assertThat(result.hosts().get(0).reason()).contains("lock-renew answered 409");
    RolloutState saved = new RolloutStateStore(variables).load().orElseThrow();
    assertThat(saved.status()).isEqualTo(RolloutState.Status.RUNNING);
    assertThat(saved.host("a").orElseThrow().state()).isEqualTo(HostState.REBUILDING);
  }

  @Test
  void theFencedPortsPassOnEveryReadAndWriteOfThePorts() throws Exception {
    // A method the wrapper does not override falls back to the port's default, which refuses:
    // the checks before a drain would then silently not be made in a real run.
    Ports fenced = FencedPorts.of(new Ports(new FakeLab(), null, null, null), null);
    for (Class<?> port : List.of(dev.laborchestrator.port.NomadNodes.class, HostExecutor.class)) {
      Object wrapper =
          port == HostExecutor.class
              ? FencedPorts.of(new Ports(null, null, new FakeLab(), null), null).executor()
              : fenced.nomad();
      for (java.lang.reflect.Method method : port.getMethods()) {
        if (method.isDefault()) {
          assertThat(
                  wrapper
                      .getClass()
                      .getMethod(method.getName(), method.getParameterTypes())
                      .getDeclaringClass())
              .as(port.getSimpleName() + "." + method.getName() + " passed on")
              .isEqualTo(wrapper.getClass());
        }
      }
    }
  }
}
