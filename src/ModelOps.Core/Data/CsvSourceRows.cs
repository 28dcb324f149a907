using System.Buffers;
using System.Globalization;
using Sylvan.Data.Csv;

namespace ModelOps.Core.Data;

/// <summary>
/// A CSV chunk's records as read (quotes, delimiters and line ends included); the rows asked for are split again by the
/// same parser with the same settings, so a field comes back exactly as the file has it, untrimmed.
/// </summary>
internal sealed class CsvSourceRows(SourceBuffers<char> buffers, char delimiter, int width, int maxRecordChars)
    : SourceRows<char>(buffers)
{
    public override SourceFields Read(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new Fields(this, rows, delimiter, width, maxRecordChars);
    }

    private const int BufferSize = 16 * 1024;

    /// <summary>The records asked for, split by a parser of their own; each field is a span of the parser's buffer.</summary>
    private sealed class Fields : SourceFields
    {
        private readonly IReadOnlyList<int> _rows;
        private readonly int _width;
        private readonly char[] _buffer = ArrayPool<char>.Shared.Rent(BufferSize); // a chunk's few rows set aside need no buffer of their own
        private readonly CsvDataReader _csv;
        private int _read;

        public Fields(CsvSourceRows source, IReadOnlyList<int> rows, char delimiter, int width, int maxRecordChars)
        {
            (_rows, _width) = (rows, width);
            _csv = CsvDataReader.Create(new RecordsReader(source, rows), _buffer, new CsvDataReaderOptions
            {
                HasHeaders = false,
                Delimiter = delimiter,
                CsvStyle = CsvStyle.Standard,
                Culture = CultureInfo.InvariantCulture,
                BufferSize = BufferSize, // grows to the longest record, up to the read's own limit
                MaxBufferSize = maxRecordChars,
                Comment = '\0',
            });
        }

        public override int Width => _width;

        public override bool MoveNext()
        {
            if (_read == _rows.Count)
            {
                return false;
            }
            if (!_csv.Read())
            {
                throw new InvalidOperationException($"Record {_rows[_read]} of a chunk did not read back.");
            }
            _read++;
            return true;
        }

        /// <summary>A record taken with blank fields past the header's keeps the header's width, as the reader took it,
        /// and an empty field is missing.</summary>
        public override bool TryGet(int column, out ReadOnlySpan<char> text)
        {
            text = column < _csv.RowFieldCount ? _csv.GetFieldSpan(column) : default;
            return !text.IsEmpty;
        }

        public override void Dispose()
        {
            _csv.Dispose();
            ArrayPool<char>.Shared.Return(_buffer);
        }
    }

    /// <summary>The records asked for, one after the other, each ending in a line end, read straight from the chunk's buffer.</summary>
    private sealed class RecordsReader(CsvSourceRows source, IReadOnlyList<int> rows) : TextReader
    {
        private int _next;
        private int _offset;
        private bool _lineEndDue;

        public override int Read(Span<char> buffer)
        {
            var written = 0;
            while (written < buffer.Length && _next < rows.Count)
            {
                if (_lineEndDue)
                {
                    buffer[written++] = '\n';
                    _lineEndDue = false;
                    Advance();
                    continue;
                }
                var record = source.Record(rows[_next]);
                var n = Math.Min(buffer.Length - written, record.Length - _offset);
                record.Slice(_offset, n).CopyTo(buffer[written..]);
                written += n;
                _offset += n;
                if (_offset == record.Length)
                {
                    // The file's last record may have no line end of its own.
                    _lineEndDue = record.IsEmpty || record[^1] != '\n';
                    if (!_lineEndDue) Advance();
                }
            }
            return written;
        }

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        private void Advance()
        {
            _next++;
            _offset = 0;
        }
    }
}
