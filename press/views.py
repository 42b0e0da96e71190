from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import DetailView, ListView

from .models import OldSlug, PressRelease


class PublicationMixin:
    """Owns the publication rule for every public view.

    The public sees ``published()``; staff who may change releases also see
    drafts and scheduled ones (as a preview).
    """

    def can_preview(self):
        user = self.request.user
        return (
            user.is_authenticated and user.is_staff and user.has_perm("press.change_pressrelease")
        )

    def get_queryset(self):
        releases = PressRelease.objects.with_lists()
        return releases if self.can_preview() else releases.published()


class PressListView(PublicationMixin, ListView):
    template_name = "press/list.html"
    paginate_by = 20

    def get_queryset(self):
        return PressRelease.objects.published().with_lists()


class PressDetailView(PublicationMixin, DetailView):
    template_name = "press/detail.html"
    context_object_name = "release"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            old = OldSlug.objects.filter(slug=kwargs["slug"]).select_related("release").first()
            if old and self.get_queryset().filter(pk=old.release_id).exists():
                return redirect(old.release, permanent=True)
            raise

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preview"] = not self.object.is_public
        return context
