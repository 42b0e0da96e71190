def navigation(request):
    from .navigation import get_navigation

    return {"navigation": get_navigation}
