"""Limits on asking for alerts: per client address, and per email address.

Counted in the ``throttle`` cache (its own alias, shared by every process
with Redis). The client's address is the connection's, or behind
``PROXY_COUNT`` trusted proxies the one they forwarded; IPv6 counts by /64.
"""

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import caches


def client_address(request):
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)  # an IPv4 client seen through an IPv6 socket
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def allow(kind, who, limit, seconds):
    """Count one more request of ``kind`` by ``who``; False once past ``limit`` in the window."""
    cache = caches["throttle"]
    key = f"alerts:{kind}:{hashlib.sha256(who.encode()).hexdigest()[:32]}"
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # gone between add and incr (expired, evicted)
        cache.set(key, 1, seconds)
        count = 1
    return count <= limit
