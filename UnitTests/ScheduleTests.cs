namespace MLExtensions.UnitTests;

/// <summary>Every schedule as a pure function of the position in training, against its closed form, step by step.</summary>
[TestClass]
public sealed class ScheduleTests
{
    private const int Steps = 4, Epochs = 6;

    private static IEnumerable<object[]> Schedules()
    {
        yield return [LearningRateSchedule.Constant(), (Func<int, double, double>)((_, _) => 1)];
        yield return [LearningRateSchedule.Step(2, 0.5), (Func<int, double, double>)((e, _) => Math.Pow(0.5, e / 2))];
        yield return [LearningRateSchedule.MultiStep([4, 1], 0.1), (Func<int, double, double>)((e, _) => Math.Pow(0.1, (e >= 1 ? 1 : 0) + (e >= 4 ? 1 : 0)))];
        yield return [LearningRateSchedule.Exponential(0.3), (Func<int, double, double>)((e, _) => Math.Exp(-0.3 * e))];
        yield return [LearningRateSchedule.InverseTime(0.5), (Func<int, double, double>)((e, _) => 1 / (1 + 0.5 * e))];
        yield return [LearningRateSchedule.Linear(0.1), (Func<int, double, double>)((_, t) => 1 - 0.9 * t / Epochs)];
        yield return [LearningRateSchedule.Cosine(0.2), (Func<int, double, double>)((_, t) => 0.2 + 0.8 * (1 + Math.Cos(Math.PI * t / Epochs)) / 2)];
        yield return [LearningRateSchedule.Cyclical(4, 0.2), (Func<int, double, double>)((_, t) => 0.2 + 0.8 * (1 - Math.Abs(2 * (t % 4) / 4 - 1)))];
        yield return [LearningRateSchedule.OneCycle(), (Func<int, double, double>)((_, t) =>
        {
            double p = t / Epochs;
            return p < 0.3 ? 1 + (1 / 25.0 - 1) * (1 + Math.Cos(Math.PI * p / 0.3)) / 2
                           : 1 / 25.0 / 1e4 + (1 - 1 / 25.0 / 1e4) * (1 + Math.Cos(Math.PI * (p - 0.3) / 0.7)) / 2;
        })];
        yield return [LearningRateSchedule.ReduceOnPlateau(), (Func<int, double, double>)((_, _) => 1)];
    }

    [TestMethod]
    [DynamicData(nameof(Schedules))]
    public void EveryStepFollowsTheClosedForm(LearningRateSchedule schedule, Func<int, double, double> multiple)
    {
        for (int epoch = 0; epoch < Epochs; epoch++)
            for (int step = 0; step < Steps; step++)
            {
                double t = epoch + (double)step / Steps;
                Assert.AreEqual(0.01 * multiple(epoch, t), schedule.Rate(0.01, epoch, step, Steps, Epochs), 1e-12, $"{schedule} at epoch {epoch}, step {step}");
            }
    }

    [TestMethod]
    public void WarmupRampsEveryScheduleLinearlyOverItsEpochs()
    {
        var schedule = LearningRateSchedule.Step(1, 0.5, warmupEpochs: 2);
        for (int k = 0; k < 2 * Steps; k++)
            Assert.AreEqual(0.01 * Math.Pow(0.5, k / Steps) * (k + 1) / (2.0 * Steps), schedule.Rate(0.01, k / Steps, k % Steps, Steps, Epochs), 1e-15, $"step {k}");
        Assert.AreEqual(0.01 * 0.25, schedule.Rate(0.01, 2, 0, Steps, Epochs), 1e-15, "no warmup factor once it is over");
    }

    [TestMethod]
    public void ASubclassIsAPureFunctionOfThePosition()
    {
        var schedule = new SquareRootDecay();
        Assert.AreEqual(0.1 / Math.Sqrt(1 + 2.5), schedule.Rate(0.1, 2, 2, Steps, Epochs), 1e-15);
        Assert.AreEqual(schedule.Rate(0.1, 3, 1, Steps, Epochs), schedule.Rate(0.1, 3, 1, Steps, Epochs), "the same position, the same rate");
        Assert.AreEqual("SquareRootDecay (warmup 1)", new SquareRootDecay(warmupEpochs: 1).ToString());
        Assert.AreEqual("Cosine (warmup 2)", LearningRateSchedule.Cosine(warmupEpochs: 2).ToString());
    }

    [TestMethod]
    public void TheFactoriesCheckTheirArguments()
    {
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LearningRateSchedule.Step(0)), "stepEpochs must be positive, got 0");
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cyclical(-1)), "cycleEpochs must be positive");
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LearningRateSchedule.Cosine(warmupEpochs: -1)), "Warmup epochs cannot be negative");
        TestAssert.MessageContains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LearningRateSchedule.ReduceOnPlateau(factor: 2)), "factor must be in (0, 1)");
    }

    private sealed class SquareRootDecay(int warmupEpochs = 0) : LearningRateSchedule(warmupEpochs)
    {
        protected override double Multiple(SchedulePosition position) => 1 / Math.Sqrt(1 + position.Progress);
    }
}
