using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLExtensions.Cnn;

/// <summary>Creates the TorchSharp optimizer <see cref="ImageCnnTrainer.Options"/> asks for.</summary>
internal static class OptimizerFactory
{
    internal static optim.Optimizer Create(IEnumerable<Parameter> parameters, CnnTrainingOptions o)
    {
        double lr = o.TrainingLearningRate, wd = o.WeightDecay;
        return o.Optimizer switch
        {
            OptimizerKind.Sgd => optim.SGD(parameters, lr, weight_decay: wd),
            OptimizerKind.SgdMomentum => optim.SGD(parameters, lr, momentum: o.Momentum, weight_decay: wd),
            OptimizerKind.SgdNesterov => optim.SGD(parameters, lr, momentum: o.Momentum, weight_decay: wd, nesterov: true),
            OptimizerKind.AdaGrad => optim.Adagrad(parameters, lr, weight_decay: wd, eps: o.Epsilon),
            OptimizerKind.RmsProp => optim.RMSProp(parameters, lr, alpha: o.RmsPropDecay, eps: o.Epsilon, weight_decay: wd),
            OptimizerKind.Adam => optim.Adam(parameters, lr, o.Beta1, o.Beta2, o.Epsilon, wd),
            OptimizerKind.AdamW => optim.AdamW(parameters, lr, o.Beta1, o.Beta2, o.Epsilon, wd),
            OptimizerKind.AmsGrad => optim.Adam(parameters, lr, o.Beta1, o.Beta2, o.Epsilon, wd, amsgrad: true),
            OptimizerKind.RAdam => optim.RAdam(parameters, lr, o.Beta1, o.Beta2, o.Epsilon, wd),
            _ => throw new ArgumentOutOfRangeException(nameof(o), o.Optimizer, "Unknown optimizer."),
        };
    }

    /// <summary>
    /// Adds parameters to a running optimizer as a new group with the optimizer's settings. Each optimizer only
    /// steps groups of its own group type, so the group is created to match.
    /// </summary>
    internal static void AddGroup(optim.Optimizer optimizer, IEnumerable<Parameter> parameters)
    {
        ParamGroup group = optimizer switch
        {
            SGD => new SGD.ParamGroup(parameters),
            Adagrad => new Adagrad.ParamGroup(parameters),
            RMSProp => new RMSProp.ParamGroup(parameters),
            AdamW => new AdamW.ParamGroup(parameters),
            Adam => new Adam.ParamGroup(parameters),
            RAdam => new RAdam.ParamGroup(parameters),
            _ => throw new NotSupportedException($"Adding parameters to a running {optimizer.GetType().Name} optimizer is not supported."),
        };
        optimizer.add_param_group(group);
    }
}
