from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class CoreConfig(AppConfig):
    default = True

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        # import here: the page cache reads models, which Django loads only after the apps.
        from mutualaid.core.pagecache import forget_session_auth_hash

        # Cache upkeep, not business rules: a saved or deleted user (new password, turned
        # off) must never be let in by a remembered sign-in check.
        def forget(sender: object, instance: object, **kwargs: object) -> None:
            forget_session_auth_hash(getattr(instance, "pk", None))

        user_model = get_user_model()
        post_save.connect(forget, sender=user_model, dispatch_uid="pagecache-user-saved")
        post_delete.connect(forget, sender=user_model, dispatch_uid="pagecache-user-deleted")

        # Every app's notice kinds are declared before a worker takes a queued notice.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("notices")

    name = "mutualaid.core"
    label = "core"
    verbose_name = "mutualaid core"


class OrganiserAdminConfig(admin_apps.AdminConfig):
    """Replaces django.contrib.admin so that `admin.site` is the organisers' site."""

    default = False
    default_site = "mutualaid.core.admin_site.OrganiserAdminSite"
