"""Import the interchange format (docs/data-format.md) through the write services.

reading   a file (JSON or CSV) to a document; unreadable files are ImportFileError
values    file values to model values, with messages for malformed ones
compare   is a record the same as what is stored?
run       the transaction: plan each record, write it through the services as the
          importing user, report every problem by where it is in the file
report    ImportReport, Problem, Where
"""

from incidents.importer.reading import ImportFileError, read_document
from incidents.importer.report import ImportReport, Problem
from incidents.importer.run import import_document

__all__ = ["ImportFileError", "ImportReport", "Problem", "import_document", "read_document"]
