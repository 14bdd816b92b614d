package dev.laborchestrator.config;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One entry of {@code lab.machine.healthChecks}: {@code type} is http (with {@code url}), tcp (with
 * {@code port}) or command (with {@code command}). Consul runs these checks; the controller waits
 * for all of the node's Consul checks to pass.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthCheckSpec(String type, String url, Integer port, String command) {}
