"""An uploaded billing file's job (``ConsumptionImport``): its kind's loader run once, its status and what
the users who uploaded it need to know kept on it — rows, days, skipped lines, or the errors that rejected it.
The task (``tasks.import_consumption_file``) only makes sure one worker runs it."""

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.progress import Progress

from .billing import load_invoices, load_referral_signups
from .importer import ImportRejected, load
from .models import ConsumptionImport


def run(import_id: int) -> str:
    """Load the uploaded file with its kind's loader, the job's status moving from checking to done,
    rejected (the file's errors kept, nothing loaded) or failed (the error said). Returns the outcome."""

    job = ConsumptionImport.objects.get(pk=import_id)
    ConsumptionImport.objects.filter(pk=import_id).update(status=ConsumptionImport.Status.CHECKING)
    loader = {
        ConsumptionImport.Kind.CONSUMPTION: load,
        ConsumptionImport.Kind.INVOICES: load_invoices,
        ConsumptionImport.Kind.REFERRAL_SIGNUPS: load_referral_signups,
    }[job.kind]
    try:
        with Progress(ConsumptionImport, import_id, "lines_checked") as progress:
            loaded = loader(job.file.path, progress=progress)
    except ImportRejected as rejected:
        ConsumptionImport.objects.filter(pk=import_id).update(
            status=ConsumptionImport.Status.REJECTED,
            error_count=rejected.checked.error_count,
            errors=[str(e) for e in rejected.checked.errors],
            lines_checked=rejected.checked.rows,
            finished_at=timezone.now(),
        )
        return "rejected"
    except Exception as error:  # whatever it was, the job says so instead of "checking" for ever
        ConsumptionImport.objects.filter(pk=import_id).update(
            status=ConsumptionImport.Status.FAILED,
            errors=[_("The import failed: %(error)s") % {"error": error}],
            finished_at=timezone.now(),
        )
        raise
    ConsumptionImport.objects.filter(pk=import_id).update(
        status=ConsumptionImport.Status.DONE,
        rows=loaded.rows,
        lines_checked=loaded.rows + len(loaded.skipped),
        first_day=loaded.first_day,
        last_day=loaded.last_day,
        skipped=[str(e) for e in loaded.skipped],
        finished_at=timezone.now(),
    )
    return "done"
