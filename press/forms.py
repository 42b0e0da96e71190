from django import forms

from .images import validate_image


class LeadImageField(forms.ImageField):
    """Our checks (format by content, size, pixels) before Django opens the file."""

    def to_python(self, data):
        if data and hasattr(data, "read"):
            validate_image(data)
        return super().to_python(data)
