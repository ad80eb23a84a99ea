package dev.orchestrator.spec;

import static dev.orchestrator.spec.SpecValidator.v;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * The {@link SpecValidator}'s rules for a service's {@link ContainerOptions}: privilege (refused
 * unless the application allowed it), pids limit, stop signal, user, capabilities and DNS settings,
 * each problem reported with its {@code options.*} path. IP addresses are checked as literals only,
 * never looked up. Stateless and thread-safe.
 */
final class ContainerOptionsRules {
  private ContainerOptionsRules() {}

  /** Adds the problems of {@code o} to {@code p}; privileged containers pass only if {@code allowPrivileged}. */
  static void check(List<ValidationException.Violation> p, ContainerOptions o, boolean allowPrivileged) {
    if (o.privileged() && !allowPrivileged) {
      p.add(v("options.privileged", "true", "privileged containers are refused unless the builder allows them"));
    }
    if (o.pidsLimit() < 0) {
      p.add(v("options.pidsLimit", String.valueOf(o.pidsLimit()), "must be 0 (no limit) or more"));
    }
    if (!o.stopSignal().isEmpty() && !o.stopSignal().matches("(SIG)?[A-Z][A-Z0-9+-]*|[0-9]{1,2}")) {
      p.add(v("options.stopSignal", o.stopSignal(), "must be a signal name like SIGTERM or a number"));
    }
    if (!o.user().isEmpty() && !o.user().matches("[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?")) {
      p.add(v("options.user", o.user(), "must be user or user:group, by name or id"));
    }
    for (int i = 0; i < o.capDrop().size(); i++) {
      capability(p, "options.capDrop[" + i + "]", o.capDrop().get(i));
    }
    for (int i = 0; i < o.capAdd().size(); i++) {
      capability(p, "options.capAdd[" + i + "]", o.capAdd().get(i));
    }
    for (int i = 0; i < o.dnsServers().size(); i++) {
      if (!ipLiteral(o.dnsServers().get(i))) {
        p.add(v("options.dnsServers[" + i + "]", String.valueOf(o.dnsServers().get(i)),
            "must be an IPv4 or IPv6 address (a resolver on port 53)"));
      }
    }
    for (int i = 0; i < o.dnsSearch().size(); i++) {
      String domain = o.dnsSearch().get(i);
      if (domain == null || domain.length() > 253
          || !domain.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")) {
        p.add(v("options.dnsSearch[" + i + "]", String.valueOf(domain), "must be a domain name like svc.local"));
      }
    }
  }

  private static boolean ipLiteral(String address) {
    if (address == null) {
      return false;
    }
    if (address.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return Arrays.stream(address.split("\\.")).allMatch(octet -> Integer.parseInt(octet) <= 255);
    }
    if (address.contains(":") && address.matches("[0-9A-Fa-f:.]+")) {
      try {
        InetAddress.getByName(address); // a literal: never a lookup
        return true;
      } catch (UnknownHostException e) {
        return false;
      }
    }
    return false;
  }

  private static void capability(List<ValidationException.Violation> p, String path, String cap) {
    if (cap == null || !cap.matches("(CAP_)?[A-Z_]+")) {
      p.add(v(path, String.valueOf(cap), "must be a capability name like NET_ADMIN or ALL"));
    }
  }
}
