"""Only reference data is in the admin. Pupils' entries, files and comments are
deliberately absent: the platform administrator does not read portfolios."""

from django.contrib import admin

from portfolio.models import Competence, Metier


@admin.register(Metier)
class MetierAdmin(admin.ModelAdmin):
    list_display = ["label", "rome_code", "domain"]
    list_filter = ["domain"]
    search_fields = ["label", "rome_code"]


@admin.register(Competence)
class CompetenceAdmin(admin.ModelAdmin):
    list_display = ["label", "category", "position", "is_active"]
    list_filter = ["category", "is_active"]
    list_editable = ["position", "is_active"]
