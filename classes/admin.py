from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from classes.models import (
    Class,
    Enrolment,
    School,
    SchoolYear,
    StaffRole,
    TeachingAssignment,
    User,
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    search_fields = ["username", "first_name", "last_name", "email"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "uai", "city", "academy", "kind"]
    search_fields = ["name", "uai", "city"]
    list_filter = ["kind", "academy"]


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ["__str__"]


@admin.register(Class)
class ClassAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "school", "year"]
    list_filter = ["year", "level", "school"]
    search_fields = ["name", "school__name"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["pupil", "school_class", "year"]
    list_filter = ["year"]
    raw_id_fields = ["pupil", "school_class"]
    search_fields = ["pupil__last_name", "pupil__first_name"]


@admin.register(TeachingAssignment)
class TeachingAssignmentAdmin(admin.ModelAdmin):
    list_display = ["teacher", "school_class", "subject", "is_principal"]
    raw_id_fields = ["teacher", "school_class"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "school"]
    list_filter = ["role"]
    raw_id_fields = ["user"]
