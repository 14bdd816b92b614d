/**
 * Executors: how a NixOS rebuild and reboot is triggered on a host. {@link
 * dev.laborchestrator.executor.CommandExecutor} runs a configured program, {@link
 * dev.laborchestrator.executor.SshExecutor} runs the rebuild over the system OpenSSH client; {@link
 * dev.laborchestrator.executor.HostExecutors} picks one from the config. Nothing here builds a
 * local shell string; values that come from the cluster are validated before they reach an argv.
 * Both can build a host's system ahead of its drain and then boot or switch to exactly that store
 * path; a build reports what it built by the contract of {@code BuildOutput}.
 */
package dev.laborchestrator.executor;
