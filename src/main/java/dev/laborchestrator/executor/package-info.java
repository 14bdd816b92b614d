/**
 * Executors: how a NixOS rebuild and reboot is triggered on a host. {@link
 * dev.laborchestrator.executor.CommandExecutor} runs a configured program, {@link
 * dev.laborchestrator.executor.SshExecutor} runs the rebuild over the system OpenSSH client; {@link
 * dev.laborchestrator.executor.HostExecutors} picks one from the config. Nothing here builds a
 * local shell string; values that come from the cluster are validated before they reach an argv.
 */
package dev.laborchestrator.executor;
