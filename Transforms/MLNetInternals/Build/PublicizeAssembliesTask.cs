// Compiled by MSBuild's RoslynCodeTaskFactory (see PublicizeMLNet.targets), not part of any project.
// Writes copies of reference assemblies with every type and member made public, so that C# can compile
// against ML.NET's internal persistence API. Only the compiler sees these copies; the real assemblies ship.
#nullable enable
using System;
using System.IO;
using System.Linq;
using System.Collections.Generic;
using System.Reflection;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class PublicizeAssemblies : Task
{
    [Required] public ITaskItem[] Assemblies { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string OutputDirectory { get; set; } = "";
    [Required] public string CecilPath { get; set; } = "";
    [Output] public ITaskItem[] PublicizedAssemblies { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        AppDomain.CurrentDomain.AssemblyResolve += ResolveCecil;
        try
        {
            Directory.CreateDirectory(OutputDirectory);
            var outputs = new List<ITaskItem>();
            foreach (var item in Assemblies)
            {
                var source = item.GetMetadata("FullPath");
                var target = Path.Combine(OutputDirectory, Path.GetFileName(source));
                if (!File.Exists(target) || File.GetLastWriteTimeUtc(target) < File.GetLastWriteTimeUtc(source))
                {
                    Publicize(source, target, Path.GetDirectoryName(source)!);
                    Log.LogMessage(MessageImportance.Normal, "Publicized {0} -> {1}", source, target);
                }
                var output = new TaskItem(target);
                item.CopyMetadataTo(output);
                outputs.Add(output);
            }
            PublicizedAssemblies = outputs.ToArray();
            return true;
        }
        finally
        {
            AppDomain.CurrentDomain.AssemblyResolve -= ResolveCecil;
        }
    }

    private Assembly? ResolveCecil(object? sender, ResolveEventArgs args)
    {
        var name = new AssemblyName(args.Name).Name;
        var path = Path.Combine(CecilPath, name + ".dll");
        return File.Exists(path) ? Assembly.LoadFrom(path) : null;
    }

    // Kept in its own method so Mono.Cecil is only bound after the resolver is installed.
    private static void Publicize(string source, string target, string searchDirectory)
    {
        var resolver = new Mono.Cecil.DefaultAssemblyResolver();
        resolver.AddSearchDirectory(searchDirectory);
        using var module = Mono.Cecil.ModuleDefinition.ReadModule(source,
            new Mono.Cecil.ReaderParameters { AssemblyResolver = resolver });
        foreach (var type in module.GetTypes())
        {
            // Polyfilled BCL attributes and compiler-generated types would clash with the real ones.
            if (type.Namespace.StartsWith("System", StringComparison.Ordinal) ||
                type.Namespace.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) ||
                type.Name.Contains('<'))
                continue;
            if (type.IsNested)
                type.IsNestedPublic = true;
            else
                type.IsPublic = true;
            foreach (var method in type.Methods)
                if (!method.IsPublic && !method.Name.Contains('<'))
                    method.IsPublic = true;
            foreach (var field in type.Fields)
                // Backing fields of events and auto-properties would clash with the members themselves.
                if (!field.IsPublic && !field.Name.Contains('<') && !type.Events.Any(e => e.Name == field.Name))
                    field.IsPublic = true;
        }
        var temp = target + ".tmp";
        module.Write(temp);
        File.Copy(temp, target, overwrite: true);
        File.Delete(temp);
    }
}
