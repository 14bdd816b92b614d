# Consul ACL policy for lab-orchestrator's Consul token (consul.token in the
# config, or CONSUL_HTTP_TOKEN): only what a rollout needs.
#
#   consul acl policy create -name lab-orchestrator \
#     -rules @jobs/lab-orchestrator.consul-policy.hcl
#   consul acl token create -description lab-orchestrator -policy-name lab-orchestrator
#
# Consul does not refuse a health read the token may not fully see: it leaves
# the checks out and says so only in the header
# X-Consul-Results-Filtered-By-ACLs (agent/consul/acl.go filterHealthChecks).
# With node read alone a node shows serfHealth passing and hides every service
# check. The controller fails a host on such an answer, and pre-flight refuses
# a token that lacks any of the rules below (exit 2, nothing changed).
#
# Written from Consul's source and docs; the simulated lab checks the parts of it the controller
# uses. Not yet tried on a real cluster.

# GET /v1/health/node/:node: node checks such as serfHealth.
node_prefix "" {
  policy = "read"
}

# The same answer's service checks: each needs read on its service. Prefix ""
# because the controller judges every check on a node, whatever its service.
service_prefix "" {
  policy = "read"
}

# GET /v1/operator/autopilot/health: no server host leaves while the Consul
# servers are unhealthy.
operator = "read"

# Only with consulMaintenance: true in the config. Node maintenance
# (PUT /v1/agent/maintenance on each host's own agent) needs write on that
# agent's node, not agent write (agent/agent_endpoint.go AgentNodeMaintenance:
# NodeWriteAllowed on the agent's node name). Replace the node_prefix rule
# above with the block below, or keep it and add one node "<consul node name>"
# block with policy "write" per host the controller rolls:
#
#   node_prefix "" {
#     policy = "write"
#   }
#
# Each agent must also be reachable at <node address>:<port of consul.address>
# (see lab.machine.consulMaintenance in nix/modules/lab-machine.nix);
# pre-flight asks every planned host's agent before anything changes.
