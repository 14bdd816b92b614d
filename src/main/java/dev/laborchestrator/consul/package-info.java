/**
 * The Consul HTTP adapter: {@link dev.laborchestrator.port.ConsulHealth} over Consul's health API,
 * with blocking queries on {@code X-Consul-Index} and the token in {@code X-Consul-Token}.
 */
package dev.laborchestrator.consul;
