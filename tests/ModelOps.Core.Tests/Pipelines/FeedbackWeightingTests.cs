using ModelOps.Core.Pipelines;
using ModelOps.Core.Tests.Training;

namespace ModelOps.Core.Tests.Pipelines;

public sealed class FeedbackWeightingTests
{
    [Fact]
    public void Rows_numbered_from_the_first_feedback_row_on_get_the_weight_and_the_rest_count_once()
    {
        var table = SyntheticData.Numbers(("x", [1, 2, 3, 4]), ("label", [0, 1, 0, 1]));

        var weighted = new FeedbackWeighting(FirstRow: 40, Weight: 5).AddTo(table, [7, 39, 40, 41]);

        Assert.Equal(["x", "label", FeedbackWeighting.Column], weighted.Schema.Columns.Select(c => c.Name));
        Assert.Equal([1.0, 1.0, 5.0, 5.0], weighted.Numeric(2));
        Assert.Equal(2, table.ColumnCount); // the rows as read stay as they were
    }

    [Fact]
    public void A_data_column_with_the_reserved_name_is_a_clear_error()
    {
        var table = SyntheticData.Numbers(("x", [1, 2]), (FeedbackWeighting.Column, [1, 1]));

        var error = Assert.Throws<PipelineFailedException>(() => new FeedbackWeighting(1, 5).AddTo(table, [1, 2]));

        Assert.Contains("reserved", error.Message);
    }
}
