package dev.laborchestrator.rollout;

import dev.laborchestrator.port.Allocation;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.DrainRequest;
import dev.laborchestrator.port.HostExecutor;
import dev.laborchestrator.port.HostTarget;
import dev.laborchestrator.port.Indexed;
import dev.laborchestrator.port.NodeMaintenance;
import dev.laborchestrator.port.NodeStub;
import dev.laborchestrator.port.NomadNode;
import dev.laborchestrator.port.NomadNodes;
import java.util.List;

/**
 * The ports of a rollout with every mutating call (drain, eligibility, rebuild and reboot,
 * rollback, Consul maintenance on and off) behind a {@link Fence}: each waits until the rollout
 * lock's lease is valid and throws {@link Fence.Stopped} once it is lost. Reads pass straight
 * through, so a run keeps observing while it cannot prove its lease.
 */
public final class FencedPorts {
  private FencedPorts() {}

  public static Ports of(Ports ports, Fence fence) {
    return new Ports(
        new Nodes(ports.nomad(), fence),
        ports.consul(),
        new Executor(ports.executor(), fence),
        ports.clock(),
        ports.nomadAutopilot(),
        ports.consulAutopilot(),
        ports.maintenance() == null ? null : new Maintenance(ports.maintenance(), fence),
        ports.events());
  }

  private record Nodes(NomadNodes delegate, Fence fence) implements NomadNodes {
    @Override
    public List<NodeStub> listNodes() {
      return delegate.listNodes();
    }

    @Override
    public Indexed<List<NodeStub>> listNodes(BlockingQuery query) {
      return delegate.listNodes(query);
    }

    @Override
    public Indexed<NomadNode> readNode(String nodeId, BlockingQuery query) {
      return delegate.readNode(nodeId, query);
    }

    @Override
    public Indexed<List<Allocation>> nodeAllocations(String nodeId, BlockingQuery query) {
      return delegate.nodeAllocations(nodeId, query);
    }

    @Override
    public List<NodeStub> listNodesWithResources() {
      return delegate.listNodesWithResources();
    }

    @Override
    public List<Allocation> listAllocations() {
      return delegate.listAllocations();
    }

    @Override
    public List<dev.laborchestrator.port.Evaluation> blockedEvaluations() {
      return delegate.blockedEvaluations();
    }

    @Override
    public java.util.Optional<Allocation> readAllocation(String allocId) {
      return delegate.readAllocation(allocId);
    }

    @Override
    public String forcePeriodicLaunch(String jobId) {
      fence.await();
      return delegate.forcePeriodicLaunch(jobId);
    }

    @Override
    public void setNodeMeta(String nodeId, java.util.Map<String, String> meta) {
      delegate.setNodeMeta(nodeId, meta); // progress shown on the node: not a change to fence
    }

    @Override
    public void drain(String nodeId, DrainRequest request) {
      fence.await();
      delegate.drain(nodeId, request);
    }

    @Override
    public void setEligibility(String nodeId, boolean eligible) {
      fence.await();
      delegate.setEligibility(nodeId, eligible);
    }
  }

  private record Executor(HostExecutor delegate, Fence fence) implements HostExecutor {
    @Override
    public void rebuildAndReboot(HostTarget target) throws ExecutorException {
      fence.await();
      delegate.rebuildAndReboot(target);
    }

    @Override
    public void rollback(HostTarget target) throws ExecutorException {
      fence.await();
      delegate.rollback(target);
    }

    @Override
    public boolean buildsAhead() {
      return delegate.buildsAhead();
    }

    /** A build changes nothing the cluster sees (the host keeps running its work): not fenced. */
    @Override
    public Build build(HostTarget target) throws ExecutorException {
      return delegate.build(target);
    }

    @Override
    public void activate(HostTarget target, Build build, boolean reboot) throws ExecutorException {
      fence.await();
      delegate.activate(target, build, reboot);
    }
  }

  private record Maintenance(NodeMaintenance delegate, Fence fence) implements NodeMaintenance {
    @Override
    public void enable(String hostAddress, String reason) {
      fence.await();
      delegate.enable(hostAddress, reason);
    }

    @Override
    public void disable(String hostAddress) {
      fence.await();
      delegate.disable(hostAddress);
    }
  }
}
