# ACL policy for the lab-orchestrator job's workload identity: only what a
# rollout needs. Attach it to the job (periodic runs use the parent job's ID):
#
#   nomad acl policy apply -namespace default -job lab-orchestrator \
#     lab-orchestrator jobs/lab-orchestrator.policy.hcl
#
# Written from Nomad's source and docs; the simulated lab checks the parts of it the controller
# uses. Not yet tried on a real cluster.

# Read nodes and the Node event stream; drain, mark eligible, and read the
# lab.* and nixos.revision node meta.
node {
  policy = "write"
}

# GET /v1/operator/autopilot/health: no rollout while the servers are unhealthy.
operator {
  policy = "read"
}

namespace "default" {
  # read-job: allocations on a node are listed only for namespaces the token may
  # read jobs in; without this the controller could think a busy node is empty.
  # It also reads GET /v1/allocation/:id of the lock's holder: a holder whose
  # allocation has ended is dead and its lock is taken over at once (Nomad
  # answers 404 for an allocation the token may not read, which proves nothing).
  # submit-job: when only the controller's own node is left, it marks that node
  # ineligible and launches a successor run of this periodic job
  # (POST /v1/job/lab-orchestrator/periodic/force), which rolls it. On Nomad
  # versions that know the narrower "force-periodic-job" capability, it can
  # replace "submit-job" (older versions refuse a policy that names it).
  capabilities = ["read-job", "submit-job"]

  variables {
    # The operator's config and Consul token: read only (the job's identity
    # can read it anyway; stated here so the policy is complete).
    path "nomad/jobs/lab-orchestrator" {
      capabilities = ["read"]
    }

    # The rollout's lock and checkpoints.
    path "nomad/jobs/lab-orchestrator/*" {
      capabilities = ["read", "write", "list", "destroy"]
    }
  }
}

# Same reason as above, for the allocations of jobs in every other namespace
# (an exact namespace rule wins over a glob, so "default" repeats it).
namespace "*" {
  capabilities = ["read-job"]
}
