#!/usr/bin/env bash
# Packs the library, builds a throwaway console app against the package (as a NuGet consumer would) and runs it with
# a read-only output folder, so the app can only load libtorch if the package's buildTransitive target patched
# libLibTorchSharp.so at build time (systems whose libstdc++ lacks GLIBCXX_3.4.32, e.g. Debian 12).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT

dotnet pack "$repo/src/NeuralSparseGrids" -c Release -o "$work/pkg" >/dev/null
version="$(ls "$work/pkg" | sed -n 's/^NeuralSparseGrids\.\(.*\)\.nupkg$/\1/p' | head -n 1)"
mkdir -p "$work/app"
cat > "$work/app/app.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
  <ItemGroup><PackageReference Include="NeuralSparseGrids" Version="$version" /></ItemGroup>
</Project>
XML
cat > "$work/app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><add key="local" value="$work/pkg" /></packageSources></configuration>
XML
cat > "$work/app/Program.cs" <<'CS'
using NeuralSparseGrids.Grids;
using NeuralSparseGrids.Layers;
NeuralSparseGrids.Native.TorchRuntime.EnsureLoaded();
using var layer = new SparseGridLayer(SparseGrid.Create(2, 4, GridType.Linear), outputs: 1);
using var y = layer.forward(TorchSharp.torch.rand(5, 2));
Console.WriteLine($"package consumer ok: output shape ({string.Join(", ", y.shape)})");
CS
# A private package cache, so an older copy of the package cannot be picked up.
export NUGET_PACKAGES="$work/nuget"
dotnet build "$work/app" -c Release >/dev/null
chmod -R a-w "$work/app/bin"
dotnet "$work/app/bin/Release/net10.0/app.dll"
