from django.contrib import admin

from .models import MpuPreset


@admin.register(MpuPreset)
class MpuPresetAdmin(admin.ModelAdmin):
    list_display = ["layout_id", "name"]
