"""Anonymous rate limiting: each client address gets ``API_RATE_LIMIT`` requests.

DRF's own throttle reads its rates once, at import; this one reads the
setting on every request, so it can be changed per deployment and in tests.
The client's address is the connection's, or, behind ``PROXY_COUNT`` trusted
proxies, the one they forwarded (``REST_FRAMEWORK["NUM_PROXIES"]``): a
client cannot choose its own by sending ``X-Forwarded-For``.
"""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class ClientRateThrottle(AnonRateThrottle):
    scope = "api"

    def get_rate(self):
        return settings.API_RATE_LIMIT
