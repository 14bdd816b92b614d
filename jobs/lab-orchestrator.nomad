# lab-orchestrator as a Nomad periodic batch job: each run drains, rebuilds,
# reboots and re-enables the fleet's NixOS hosts one wave at a time.
#
# Before the first run:
#   1. The controller's config (YAML, see the README), without tokens, and the
#      Consul token, as Nomad Variables the task reads through its template:
#        nomad var put nomad/jobs/lab-orchestrator \
#          config=@config.yaml consul_token=<token with node/service read>
#   2. The job's ACL policy (node write, variables under its own path):
#        nomad acl policy apply -namespace default -job lab-orchestrator \
#          lab-orchestrator jobs/lab-orchestrator.policy.hcl
#   3. The job, with the jar to run:
#        nomad job run \
#          -var 'artifact_url=https://.../lab-orchestrator.jar' \
#          -var 'artifact_checksum=sha256:<hex>' \
#          jobs/lab-orchestrator.nomad
#      (`nomad job periodic force lab-orchestrator` starts a run now.)
#
# lab-orchestrator-exec.nomad is the same job run by the exec driver from the
# flake's closure tarball; apart from how the task is started the two must
# agree (JobspecTest checks it): change both.

variable "datacenters" {
  type        = list(string)
  default     = ["*"]
  description = "Datacenters the controller may be placed in."
}

variable "schedule" {
  type        = list(string)
  default     = ["0 3 * * 0"]
  description = "Cron expressions; a rollout starts at each one (default: Sundays at 03:00)."
}

variable "time_zone" {
  type        = string
  default     = "UTC"
  description = "Time zone of the cron expressions, e.g. Europe/Berlin."
}

variable "artifact_url" {
  type        = string
  description = "Where Nomad downloads lab-orchestrator.jar from (a release asset or a mirror)."
}

variable "artifact_checksum" {
  type        = string
  description = "Checksum of the jar, as go-getter expects it: sha256:<hex>."
}

variable "java_version" {
  type        = string
  default     = ">= 17"
  description = "Version constraint on the Java runtime the client's java driver found."
}

job "lab-orchestrator" {
  type        = "batch"
  datacenters = var.datacenters

  periodic {
    crons            = var.schedule
    time_zone        = var.time_zone
    # A rollout can take hours; never start a second one beside it.
    prohibit_overlap = true
  }

  group "orchestrator" {
    count = 1

    # A failed rollout leaves the failed node drained and the state in Nomad
    # Variables; it waits for an operator (or the next periodic run, which
    # resumes from that state) rather than being retried blindly.
    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    # /metrics while a rollout runs, on a dynamic port. Registered as a Nomad
    # service so Prometheus finds it with nomad_sd_configs; a batch job can end
    # between two scrapes, so set metrics.pushgateway in the config as well.
    network {
      port "metrics" {}
    }

    service {
      provider = "nomad"
      name     = "lab-orchestrator-metrics"
      port     = "metrics"
      tags     = ["metrics"]
    }

    task "lab-orchestrator" {
      driver = "java"

      # On SIGTERM (the job stopped, or its node drained) the controller stops its
      # current step, keeps the checkpoint and releases the lock; give it the time
      # (Nomad's default is 5s) before SIGKILL.
      kill_timeout = "30s"

      constraint {
        attribute = "${attr.driver.java.version}"
        operator  = "version"
        value     = var.java_version
      }

      artifact {
        source      = var.artifact_url
        destination = "local/lab-orchestrator.jar"
        mode        = "file"

        options {
          checksum = var.artifact_checksum
        }
      }

      config {
        jar_path    = "local/lab-orchestrator.jar"
        jvm_options = ["-Xmx256m"]
        args = [
          "run", "--config", "${NOMAD_SECRETS_DIR}/config.yaml",
          "--metrics-port", "${NOMAD_PORT_metrics}",
        ]
      }

      # NOMAD_TOKEN: the workload identity, which the job's ACL policy
      # (lab-orchestrator.policy.hcl) lets drain nodes and keep state.
      identity {
        env = true
      }

      # Nomad sets NOMAD_JOB_PARENT_ID (= "lab-orchestrator") in every periodic
      # child: a run that hands its own node over launches its successor from it.
      env {
        # The node the controller runs on: it must not drain it while it is
        # still working on the others.
        NOMAD_NODE_ID = "${node.unique.id}"
        # The local agent, as Nomad advertises it; `nomad.address` in the
        # config takes precedence (e.g. for https).
        NOMAD_ADDR = "http://${attr.unique.network.ip-address}:4646"
      }

      # The controller's config, kept in Nomad Variables so it can change
      # without a new job version.
      template {
        destination = "secrets/config.yaml"
        change_mode = "noop"
        data        = <<EOT
{{ with nomadVar "nomad/jobs/lab-orchestrator" }}{{ .config.Value }}{{ end }}
EOT
      }

      # The Consul token as CONSUL_HTTP_TOKEN, which the controller reads when
      # the config has no consul.token. An environment file of its own, not a
      # line appended to the YAML: that would clash with a consul: section the
      # operator's config may already have.
      template {
        destination = "secrets/consul.env"
        env         = true
        change_mode = "noop"
        data        = <<EOT
{{ with nomadVar "nomad/jobs/lab-orchestrator" }}{{ with .consul_token.Value }}CONSUL_HTTP_TOKEN={{ . }}{{ end }}{{ end }}
EOT
      }

      resources {
        cpu    = 200
        memory = 384
      }
    }
  }
}
