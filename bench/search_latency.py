"""Search latency on the configured database: what /press/?q= runs, caches cold.

    SQLITE_PATH=/tmp/demo.sqlite3 python -m bench.search_latency OSCE toronto

For each query and each sort (newest first, relevance): the FilterSet's
count, then the first page of 20 with its headlines, as the listing runs
them. Prints the minimum and the median of --runs runs (the minimum is the
figure to compare on a busy machine). Seed the database first with
``manage.py seed_demo --releases N``.
"""

import argparse
import os
import statistics
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", nargs="+")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "osce_cms.settings")
    import django

    django.setup()
    from press.filters import PressReleaseFilterSet
    from press.models import PressRelease

    def listing(q, sort):
        filterset = PressReleaseFilterSet(
            {"q": q, "sort": sort}, queryset=PressRelease.objects.published()
        )
        count = filterset.qs.count()
        list(filterset.qs[:20].with_lists().with_headlines(q))
        return count

    total = PressRelease.objects.published().count()
    print(f"{total} public releases, {args.runs} runs each")
    for q in args.queries:
        for sort in ("-date", "relevance"):
            count = listing(q, sort)  # warm the connection and the page cache
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                listing(q, sort)
                times.append((time.perf_counter() - start) * 1000)
            print(
                f"{q!r:24} sort={sort:10} {count:6} found"
                f"   min {min(times):7.1f} ms   median {statistics.median(times):7.1f} ms"
            )


if __name__ == "__main__":
    sys.exit(main())
