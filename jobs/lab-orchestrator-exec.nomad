# lab-orchestrator as a Nomad periodic batch job, run by the exec driver from
# the self-contained closure the flake builds (JRE included): for clients
# without a Java runtime. Everything but how the controller is started is the
# same as in lab-orchestrator.nomad and must stay so (HCL has no include;
# JobspecTest fails when the two disagree). Both are the job
# "lab-orchestrator": run one of them.
#
# Before the first run: steps 1 and 2 of lab-orchestrator.nomad (config and
# Consul token as Nomad Variables, the job's ACL policy), then:
#   nix build .#tarball && sha256sum result   # publish result as <url>.tar.gz
#   nomad job run \
#     -var 'artifact_url=https://.../lab-orchestrator.tar.gz' \
#     -var 'artifact_checksum=sha256:<hex>' \
#     jobs/lab-orchestrator-exec.nomad

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
  description = "Where Nomad downloads the closure tarball (nix build .#tarball) from."
}

variable "artifact_checksum" {
  type        = string
  description = "Checksum of the tarball, as go-getter expects it: sha256:<hex>."
}

variable "cpu_arch" {
  type        = string
  default     = "amd64"
  description = "CPU architecture the tarball was built for, as Nomad names it (amd64, arm64)."
}

job "lab-orchestrator" {
  type        = "batch"
  datacenters = var.datacenters

  periodic {
    crons            = var.schedule
    time_zone        = var.time_zone
    prohibit_overlap = true
  }

  group "orchestrator" {
    count = 1

    restart {
      attempts = 0
      mode     = "fail"
    }

    reschedule {
      attempts  = 0
      unlimited = false
    }

    # /metrics while a rollout runs (as in lab-orchestrator.nomad).
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
      driver = "exec"

      kill_timeout = "30s"

      # The closure holds native code (the JRE) for one architecture.
      constraint {
        attribute = "${attr.cpu.arch}"
        value     = var.cpu_arch
      }

      # Unpacked into the task directory, which the exec driver makes the root
      # of the task's chroot: the closure's nix/store/... becomes /nix/store/...,
      # where its wrapper, JRE and jar expect each other. go-getter unpacks it
      # because of `archive`, whatever the URL ends with; the tarball holds no
      # symlinks, which go-getter would not restore. A client whose
      # artifact.decompression_file_count_limit (default 4096) is lower than
      # the closure's file count refuses it: raise the limit there.
      artifact {
        source      = var.artifact_url
        destination = "."

        options {
          archive  = "tar.gz"
          checksum = var.artifact_checksum
        }
      }

      config {
        command = "/bin/lab-orchestrator"
        args = [
          "run", "--config", "${NOMAD_SECRETS_DIR}/config.yaml",
          "--metrics-port", "${NOMAD_PORT_metrics}",
        ]
      }

      identity {
        env = true
      }

      env {
        NOMAD_NODE_ID = "${node.unique.id}"
        NOMAD_ADDR    = "http://${attr.unique.network.ip-address}:4646"
        # The java driver's jvm_options, for the java launcher in the closure.
        JDK_JAVA_OPTIONS = "-Xmx256m"
      }

      template {
        destination = "secrets/config.yaml"
        change_mode = "noop"
        data        = <<EOT
{{ with nomadVar "nomad/jobs/lab-orchestrator" }}{{ .config.Value }}{{ end }}
EOT
      }

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
