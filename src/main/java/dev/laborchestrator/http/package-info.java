/**
 * HTTP plumbing shared by the Nomad and Consul adapters: one OkHttp client per API, a timeout on
 * every call, retries of idempotent requests, and {@link dev.laborchestrator.port.ApiException}s
 * that never carry a token.
 */
package dev.laborchestrator.http;
