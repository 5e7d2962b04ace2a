@echo off
rem Llm-Music-Gen: Windows launcher. Finds Python, then hands every job to requisites.py.
setlocal EnableExtensions
cd /d "%~dp0"
title Llm-Music-Gen

rem Find Python: the py launcher first, then python on PATH.
set "PYEXE="
py -3 --version >nul 2>&1
if not errorlevel 1 set "PYEXE=py -3"
if defined PYEXE goto menu
python --version >nul 2>&1
if not errorlevel 1 set "PYEXE=python"
if defined PYEXE goto menu
goto nopython

:menu
cls
echo ===============================================================================
echo     Llm-Music-Gen: Launcher
echo ===============================================================================
echo.
echo     Python: %PYEXE%
echo.
echo     1. Launch Llm-Music-Gen
echo     2. Install or repair requirements
echo     3. Run tests
echo.
echo     X. Exit
echo.
echo -------------------------------------------------------------------------------
set "choice="
set /p "choice=Selection; Menu Option = 1-3, Exit Program = X: "
if not defined choice goto menu
set "choice=%choice:"=%"
if "%choice%"=="1" goto launch
if "%choice%"=="2" goto install
if "%choice%"=="3" goto test
if /i "%choice%"=="X" goto end
echo.
echo Invalid selection "%choice%"; please enter 1, 2, 3 or X.
timeout /t 2 /nobreak >nul 2>&1
goto menu

:launch
%PYEXE% requisites.py launch
set "RC=%ERRORLEVEL%"
set "WHAT=Launch"
goto after

:install
echo.
%PYEXE% requisites.py install
set "RC=%ERRORLEVEL%"
set "WHAT=Install"
goto after

:test
echo.
%PYEXE% requisites.py test
set "RC=%ERRORLEVEL%"
set "WHAT=Tests"
goto after

:after
if not "%RC%"=="0" goto failed
if "%WHAT%"=="Launch" goto menu
echo.
echo %WHAT% finished.
pause
goto menu

:failed
echo.
echo %WHAT% failed (exit code %RC%).
pause
goto menu

:nopython
echo.
echo Python 3 was not found: neither "py -3" nor "python" works on this computer.
echo.
echo Install Python 3.11 or newer from https://www.python.org/downloads/
echo and tick "Add python.exe to PATH" on the installer's first page,
echo then run Llm-Music-Gen.bat again.
echo.
pause
endlocal
exit /b 1

:end
endlocal
exit /b 0
