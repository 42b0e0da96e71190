"""Anonymous rate limiting: each client address gets ``API_RATE_LIMIT`` requests.

DRF's own throttle reads its rates once, at import; this one reads the
setting on every request, so it can be changed per deployment and in tests.
The client's address is the connection's, or, behind ``PROXY_COUNT`` trusted
proxies, the one they forwarded (``REST_FRAMEWORK["NUM_PROXIES"]``): a
client cannot choose its own by sending ``X-Forwarded-For``. An IPv6 client
is counted by its /64 network, so walking through its own addresses does not
reset its count.
"""

import ipaddress

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle


class ClientRateThrottle(AnonRateThrottle):
    scope = "api"

    def __init__(self):
        # Its own cache: the counts of thousands of addresses must neither push the
        # pages and versions out of the default cache nor be pushed out by them.
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_ident(self, request):
        """The client's address; for IPv6 its /64, which one subscriber usually holds whole."""
        ident = super().get_ident(request)
        try:
            address = ipaddress.ip_address(ident)
        except ValueError:
            return ident
        if address.version == 6:
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return ident
